// The OpenAI response shapes the client returns: the fields the DecAI services use, with an
// index signature for the rest, so code written for the `openai` package moves over unchanged.
// The request shapes are inferred from the runtime schema in openai-request.ts.

export type CompletionUsage = {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  [key: string]: unknown
}

export type ChatCompletion = {
  id: string
  object: 'chat.completion'
  created: number
  model: string
  choices: {
    index: number
    message: { role: 'assistant'; content: string | null; [key: string]: unknown }
    finish_reason: string | null
    [key: string]: unknown
  }[]
  usage?: CompletionUsage
  [key: string]: unknown
}

export type ChatCompletionChunk = {
  id: string
  object: 'chat.completion.chunk'
  created: number
  model: string
  choices: {
    index: number
    delta: { role?: 'assistant'; content?: string | null; [key: string]: unknown }
    finish_reason: string | null
    [key: string]: unknown
  }[]
  usage?: CompletionUsage | null
  [key: string]: unknown
}

export type Completion = {
  id: string
  object: 'text_completion'
  created: number
  model: string
  choices: { index: number; text: string; finish_reason: string | null; [key: string]: unknown }[]
  usage?: CompletionUsage | null
  [key: string]: unknown
}

export type CreateEmbeddingResponse = {
  object: 'list'
  data: { object: 'embedding'; index: number; embedding: number[] | string }[]
  model: string
  usage: { prompt_tokens: number; total_tokens: number }
  [key: string]: unknown
}

export type Model = { id: string; object: 'model'; created: number; owned_by: string }
