import { randomBytes } from 'node:crypto'
import type { GenerateResult } from './engine.js'

// The OpenAI response objects the server builds: whole completions, stream chunks, usage, ids.

export type CompletionKind = 'chat' | 'completion'

export type Usage = { prompt_tokens: number; completion_tokens: number; total_tokens: number }

export function toUsage(result: GenerateResult): Usage {
  return {
    prompt_tokens: result.promptTokens,
    completion_tokens: result.completionTokens,
    total_tokens: result.promptTokens + result.completionTokens,
  }
}

/** `chatcmpl-…` or `cmpl-…`, as OpenAI names them. */
export function newCompletionId(kind: CompletionKind): string {
  return `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomBytes(12).toString('hex')}`
}

/** Identity of one answer, repeated on each of its chunks. */
export type CompletionHeader = { kind: CompletionKind; id: string; created: number; model: string }

/** A whole (non-streamed) answer; `echo` is the prompt text sent before a completion's text. */
export function toCompletionBody(header: CompletionHeader, result: GenerateResult, echo = '') {
  const { id, created, model } = header
  const usage = toUsage(result)
  if (header.kind === 'chat') {
    return {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: result.text, refusal: null },
          logprobs: null,
          finish_reason: result.finishReason,
        },
      ],
      usage,
    }
  }
  return {
    id,
    object: 'text_completion',
    created,
    model,
    choices: [
      { index: 0, text: echo + result.text, logprobs: null, finish_reason: result.finishReason },
    ],
    usage,
  }
}

/** Builds the chunks of one streamed answer. */
export function createChunkWriter(header: CompletionHeader, includeUsage: boolean) {
  const object = header.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion'
  // With include_usage, OpenAI sends `usage: null` on every chunk and the numbers at the end.
  const usageField = includeUsage ? { usage: null } : {}
  const chunk = (choices: unknown[], extra: object = usageField) => ({
    id: header.id,
    object,
    created: header.created,
    model: header.model,
    choices,
    ...extra,
  })
  return {
    /** The chat answer's first chunk: the assistant role, no text. */
    role: () =>
      chunk([
        {
          index: 0,
          delta: { role: 'assistant', content: '' },
          logprobs: null,
          finish_reason: null,
        },
      ]),
    text: (text: string) =>
      chunk([
        header.kind === 'chat'
          ? { index: 0, delta: { content: text }, logprobs: null, finish_reason: null }
          : { index: 0, text, logprobs: null, finish_reason: null },
      ]),
    finish: (result: GenerateResult) =>
      chunk([
        header.kind === 'chat'
          ? { index: 0, delta: {}, logprobs: null, finish_reason: result.finishReason }
          : { index: 0, text: '', logprobs: null, finish_reason: result.finishReason },
      ]),
    /** The usage-only last chunk (`choices: []`), sent when the client asked for usage. */
    usage: (result: GenerateResult) => chunk([], { usage: toUsage(result) }),
  }
}
