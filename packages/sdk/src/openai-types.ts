// The OpenAI API shapes the client speaks: the fields the DecAI services use, with an index
// signature for the rest, so code written for the `openai` package moves over unchanged.

export type ChatCompletionRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool'

export type ChatCompletionContentPart =
  | { type: 'text'; text: string }
  | { type: string; [key: string]: unknown }

export type ChatCompletionMessageParam = {
  role: ChatCompletionRole
  content: string | ChatCompletionContentPart[] | null
  name?: string
  [key: string]: unknown
}

export type CompletionUsage = {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  [key: string]: unknown
}

type CommonCreateParams = {
  /** The model id; suppliers serving one model accept it or no model at all. */
  model?: string
  max_tokens?: number | null
  max_completion_tokens?: number | null
  temperature?: number | null
  top_p?: number | null
  seed?: number | null
  stop?: string | string[] | null
  frequency_penalty?: number | null
  presence_penalty?: number | null
  stream_options?: { include_usage?: boolean } | null
  [key: string]: unknown
}

export type ChatCompletionCreateParamsBase = CommonCreateParams & {
  messages: ChatCompletionMessageParam[]
}
export type ChatCompletionCreateParamsNonStreaming = ChatCompletionCreateParamsBase & {
  stream?: false | null
}
export type ChatCompletionCreateParamsStreaming = ChatCompletionCreateParamsBase & { stream: true }
export type ChatCompletionCreateParams =
  | ChatCompletionCreateParamsNonStreaming
  | ChatCompletionCreateParamsStreaming

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

export type CompletionCreateParamsBase = CommonCreateParams & {
  prompt: string | string[] | number[]
}
export type CompletionCreateParamsNonStreaming = CompletionCreateParamsBase & {
  stream?: false | null
}
export type CompletionCreateParamsStreaming = CompletionCreateParamsBase & { stream: true }
export type CompletionCreateParams =
  | CompletionCreateParamsNonStreaming
  | CompletionCreateParamsStreaming

export type Completion = {
  id: string
  object: 'text_completion'
  created: number
  model: string
  choices: { index: number; text: string; finish_reason: string | null; [key: string]: unknown }[]
  usage?: CompletionUsage | null
  [key: string]: unknown
}

export type EmbeddingCreateParams = {
  input: string | string[] | number[] | number[][]
  model?: string
  encoding_format?: 'float' | 'base64'
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
