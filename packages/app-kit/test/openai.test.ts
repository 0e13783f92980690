import { BaseError } from '@decai/core'
import { describe, expect, it } from 'vitest'
import {
  createOpenAiErrorMapper,
  createUsageReader,
  formatSseError,
  inspectChunk,
  readChoices,
  readCompletionLimit,
  readMaxTokens,
  readUsage,
  requestStreamUsage,
  SseParser,
  toOpenAiErrorResponse,
} from '../src/index.js'

class TestError extends BaseError<'BAD' | 'BUSY' | 'INTERNAL'> {
  override name = 'TestError'
  param: string | undefined
  retryAfter: number | undefined
  constructor(
    code: 'BAD' | 'BUSY' | 'INTERNAL',
    message: string,
    extra: { param?: string; retryAfter?: number; details?: string; cause?: unknown } = {},
  ) {
    super(code, message, extra)
    this.param = extra.param
    this.retryAfter = extra.retryAfter
  }
}

const toOpenAiError = createOpenAiErrorMapper({
  mappings: {
    BAD: { status: 400, type: 'invalid_request_error', code: 'invalid_value' },
    BUSY: { status: 429, type: 'requests', code: 'rate_limit_exceeded' },
    INTERNAL: { status: 500, type: 'server_error', code: 'internal_error' },
  },
  isKnown: (e): e is TestError => e instanceof TestError,
  toInternal: (cause) => new TestError('INTERNAL', 'Internal server error.', { cause }),
})

describe('OpenAI errors', () => {
  it('maps a known error to its status, type, code, param and message', () => {
    expect(
      toOpenAiError(new TestError('BAD', 'Bad model.', { param: 'model', details: 'x' })),
    ).toEqual({
      status: 400,
      body: {
        error: {
          message: 'Bad model. x',
          type: 'invalid_request_error',
          code: 'invalid_value',
          param: 'model',
        },
      },
      retryAfter: undefined,
    })
  })

  it('answers anything else as an internal error that does not leak its message', () => {
    const { status, body } = toOpenAiError(new Error('secret path /etc'))
    expect(status).toBe(500)
    expect(body.error).toEqual({
      message: 'Internal server error.',
      type: 'server_error',
      code: 'internal_error',
      param: null,
    })
  })

  it('builds the JSON response with Retry-After', async () => {
    const response = toOpenAiErrorResponse(
      toOpenAiError(new TestError('BUSY', 'Slow down.', { retryAfter: 3 })),
    )
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('3')
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'rate_limit_exceeded',
    )
  })

  it('formats an in-stream error event followed by [DONE]', () => {
    const events = new SseParser().push(
      formatSseError({ message: 'stopped', type: 'server_error', code: 'x' }),
    )
    expect(JSON.parse(events[0]!.data!)).toEqual({
      error: { message: 'stopped', type: 'server_error', code: 'x', param: null },
    })
    expect(events[1]!.data).toBe('[DONE]')
  })
})

describe('usage and chunks', () => {
  it('reads usage only when it has counts', () => {
    expect(readUsage({ usage: { prompt_tokens: 5, completion_tokens: 7 } })).toEqual({
      promptTokens: 5,
      completionTokens: 7,
      totalTokens: 12,
    })
    expect(readUsage({ usage: null })).toBeUndefined()
    expect(readUsage({ usage: {} })).toBeUndefined()
    expect(readUsage('x')).toBeUndefined()
  })

  it('reads content, usage, usage-only chunks, errors and [DONE]', () => {
    const role = inspectChunk(
      '{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}],"usage":null}',
    )
    expect(role).toMatchObject({ hasContent: false, usage: undefined, usageOnly: false })
    expect(inspectChunk('{"choices":[{"delta":{"content":"Hi"}}]}').hasContent).toBe(true)
    expect(inspectChunk('{"choices":[{"text":"Hi"}]}').hasContent).toBe(true)
    expect(inspectChunk('{"choices":[{"delta":{"tool_calls":[{"index":0}]}}]}').hasContent).toBe(
      true,
    )
    expect(inspectChunk('{"choices":[{"delta":{"reasoning_content":"hm"}}]}').hasContent).toBe(true)
    const usage = inspectChunk(
      '{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}',
    )
    expect(usage).toMatchObject({
      usageOnly: true,
      usage: { promptTokens: 5, completionTokens: 7, totalTokens: 12 },
    })
    expect(inspectChunk('{"error":{"message":"boom"}}').error).toEqual({ message: 'boom' })
    expect(inspectChunk(' [DONE]').done).toBe(true)
    expect(inspectChunk('not json')).toMatchObject({ done: false, hasContent: false })
    expect(inspectChunk('42')).toMatchObject({ done: false, hasContent: false })
  })

  it('asks for usage unless the client did, keeping other stream options', () => {
    expect(requestStreamUsage({ stream: true, stream_options: { x: 1 } })).toEqual({
      request: { stream: true, stream_options: { x: 1, include_usage: true } },
      injected: true,
    })
    expect(requestStreamUsage({ stream: true })).toEqual({
      request: { stream: true, stream_options: { include_usage: true } },
      injected: true,
    })
    const asked = { stream: true, stream_options: { include_usage: true } }
    expect(requestStreamUsage(asked)).toEqual({ request: asked, injected: false })
  })
})

describe('the bounds of an answer', () => {
  it('reads the completion limit times the choices', () => {
    expect(readCompletionLimit({ max_tokens: 16 })).toBe(16)
    expect(readCompletionLimit({ max_completion_tokens: 8, max_tokens: 16, n: 3 })).toBe(24)
    expect(readCompletionLimit({ max_tokens: 10, best_of: 4, n: 2 })).toBe(40)
    expect(readCompletionLimit({ max_tokens: -1 })).toBeUndefined()
    expect(readCompletionLimit({ max_tokens: 1.5 })).toBeUndefined()
    expect(readCompletionLimit({})).toBeUndefined()
    expect(readCompletionLimit(null)).toBeUndefined()
    // Its two halves, for callers that bound an unlimited request themselves.
    expect(readMaxTokens({ max_completion_tokens: 8, max_tokens: 16 })).toBe(8)
    expect(readMaxTokens({ max_tokens: 'many' })).toBeUndefined()
    expect(readChoices({ n: 2, best_of: 5 })).toBe(5)
    expect(readChoices({ n: -3 })).toBe(1)
    expect(readChoices(undefined)).toBe(1)
  })

  it('reads the usage of an answer as its bytes pass, split anywhere', () => {
    const sse = createUsageReader(true)
    const stream =
      'data: {"choices":[{"delta":{"content":"hi"}}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":31,"completion_tokens":2}}\n\ndata: [DONE]\n\n'
    const bytes = new TextEncoder().encode(stream)
    for (let i = 0; i < bytes.length; i += 7) sse.push(bytes.subarray(i, i + 7))
    expect(sse.usage).toMatchObject({ promptTokens: 31, completionTokens: 2 })
    const json = createUsageReader(false)
    const body = new TextEncoder().encode('{"usage":{"prompt_tokens":5,"completion_tokens":9}}')
    json.push(body.subarray(0, 10))
    json.push(body.subarray(10))
    expect(json.usage).toMatchObject({ promptTokens: 5, completionTokens: 9, totalTokens: 14 })
    expect(createUsageReader(false).usage).toBeUndefined()
  })
})
