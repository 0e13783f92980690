// The OpenAI request schema that `createClient` and the gateway share: what it refuses (as
// OpenAI, vLLM and llama.cpp's server all do), what it lets through (unknown fields, engine
// extensions), how it names the field at fault, and that the client refuses before any fetch.
import { generatePrivateKey } from '@decai/crypto'
import { describe, expect, it } from 'vitest'
import {
  type ChatCompletionCreateParams,
  checkOpenAiRequest,
  createClient,
  isSdkError,
} from '../src/index.js'
import * as openaiSubpath from '../src/openai-request.js'

const user = [{ role: 'user' as const, content: 'hi' }]
const chat = (extra: Record<string, unknown> = {}) => ({ model: 'm', messages: user, ...extra })
const issueOf = (kind: 'chat' | 'completions' | 'embeddings', body: unknown) => {
  const check = checkOpenAiRequest(kind, body)
  return check.ok ? null : check.issue
}

describe('checkOpenAiRequest', () => {
  it('accepts OpenAI requests, extensions and unknown fields, and returns the same object', () => {
    const body = chat({
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 16,
      temperature: 0,
      top_p: 1,
      n: 1,
      seed: -7,
      stop: ['\n', 'END'],
      logit_bias: { '50256': -100 },
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'f' } },
      response_format: { type: 'json_object' },
      top_k: 40,
      chat_template_kwargs: { enable_thinking: false },
      messages: [
        { role: 'developer', content: 'be brief' },
        { role: 'system', content: [{ type: 'text', text: 'really' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AA', detail: 'low' } },
            { type: 'video_url', video_url: { url: 'https://example.com/v.mp4' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: '42' },
      ],
    })
    const check = checkOpenAiRequest('chat', body)
    expect(check.ok && check.request).toBe(body)
    expect(issueOf('chat', { messages: user })).toBeNull()
    // `null` is "not given", as OpenAI takes it.
    const nulls = { model: null, tools: null, tool_choice: null, user: null, stop: null, n: null }
    expect(issueOf('chat', { messages: user, ...nulls })).toBeNull()
    expect(issueOf('completions', { prompt: [[1, 2], [3]], max_tokens: 0, echo: true })).toBeNull()
    expect(issueOf('embeddings', { input: ['a', 'b'], encoding_format: 'base64' })).toBeNull()
  })

  it.each([
    [
      chat({ messages: [] }),
      'messages',
      'invalid_value',
      "Invalid 'messages': expected an array with at least 1 item, but got an empty array instead.",
    ],
    [
      chat({ model: 123 }),
      'model',
      'invalid_type',
      "Invalid type for 'model': expected a string, but got an integer (123) instead.",
    ],
    [
      chat({ messages: [{ role: 'wizard', content: 'x' }] }),
      'messages[0].role',
      'invalid_value',
      "Invalid value: 'wizard'. Supported values for 'messages[0].role' are: 'system', 'developer', 'user', 'assistant', 'tool', 'function'.",
    ],
    [
      chat({ max_tokens: -5 }),
      'max_tokens',
      'invalid_value',
      "Invalid 'max_tokens': expected a value >= 1, but got -5 instead.",
    ],
    [
      chat({ max_tokens: 2.5 }),
      'max_tokens',
      'invalid_type',
      "Invalid type for 'max_tokens': expected an integer, but got a number (2.5) instead.",
    ],
    [
      chat({ temperature: 2.1 }),
      'temperature',
      'invalid_value',
      "Invalid 'temperature': expected a value <= 2, but got 2.1 instead.",
    ],
    [
      chat({ top_p: 1.5 }),
      'top_p',
      'invalid_value',
      "Invalid 'top_p': expected a value <= 1, but got 1.5 instead.",
    ],
    [
      chat({ n: 0 }),
      'n',
      'invalid_value',
      "Invalid 'n': expected a value >= 1, but got 0 instead.",
    ],
    [
      chat({ stop: ['a', 'b', 'c', 'd', 'e'] }),
      'stop',
      'invalid_value',
      "Invalid 'stop': expected an array with at most 4 items, but got 5 items instead.",
    ],
    [
      chat({ stream_options: { include_usage: true } }),
      'stream_options',
      'invalid_value',
      "'stream_options' is only allowed when 'stream' is true.",
    ],
    [
      chat({ messages: [{ role: 'user' }] }),
      'messages[0].content',
      'missing_required_parameter',
      "Missing required parameter: 'messages[0].content'.",
    ],
    [
      chat({ messages: [{ role: 'user', content: [{ type: 'text' }] }] }),
      'messages[0].content[0].text',
      'missing_required_parameter',
      "Missing required parameter: 'messages[0].content[0].text'.",
    ],
    [
      chat({
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'u', detail: 'max' } }],
          },
        ],
      }),
      'messages[0].content[0].image_url.detail',
      'invalid_value',
      "Invalid value: 'max'. Supported values for 'messages[0].content[0].image_url.detail' are: 'auto', 'low', 'high'.",
    ],
    [
      chat({
        messages: [
          { role: 'assistant', content: [{ type: 'image_url', image_url: { url: 'u' } }] },
        ],
      }),
      'messages[0].content[0].type',
      'invalid_value',
      "Invalid value: 'image_url'. Supported values for 'messages[0].content[0].type' are: 'text', 'refusal'.",
    ],
    [
      chat({ messages: [{ role: 'user', content: 5 }] }),
      'messages[0].content',
      'invalid_type',
      "Invalid type for 'messages[0].content': expected a string or an array of content parts, but got an integer (5) instead.",
    ],
    [
      chat({ tool_choice: 'sometimes' }),
      'tool_choice',
      'invalid_value',
      "Invalid value: 'sometimes'. Supported values for 'tool_choice' are: 'none', 'auto', 'required'.",
    ],
    [
      chat({ stream: 'yes' }),
      'stream',
      'invalid_type',
      "Invalid type for 'stream': expected a boolean, but got 'yes' instead.",
    ],
    [[chat()], null, 'invalid_type', 'The request body must be a JSON object, but got an array.'],
  ])('refuses %j at %s', (body, param, code, message) => {
    expect(issueOf('chat', body)).toEqual({ param, code, message })
  })

  it('checks completions and embeddings by their own schema', () => {
    expect(issueOf('completions', { model: 'm' })).toMatchObject({ param: 'prompt' })
    expect(issueOf('completions', { prompt: [1, 'x'] })).toMatchObject({
      param: 'prompt',
      code: 'invalid_type',
    })
    expect(issueOf('completions', { prompt: 'x', best_of: 0 })).toMatchObject({ param: 'best_of' })
    expect(issueOf('embeddings', { input: 5 })).toMatchObject({ param: 'input' })
    expect(issueOf('embeddings', { input: 'x', dimensions: 0 })).toMatchObject({
      param: 'dimensions',
    })
  })

  it('is the `@decai/sdk/openai` subpath, and the main entry has the same bindings', async () => {
    const main = (await import('../src/index.js')) as Record<string, unknown>
    for (const [name, value] of Object.entries(openaiSubpath)) expect(main[name]).toBe(value)
  })
})

describe('createClient', () => {
  it('refuses an invalid request with INVALID_REQUEST before any fetch: no session, no relay', async () => {
    const calls: string[] = []
    const client = createClient({
      chain: 'http://127.0.0.1:1',
      key: generatePrivateKey(),
      service: 'llm',
      fetch: async (input) => {
        calls.push(String(input))
        throw new Error('no network in this test')
      },
    })
    const invalid = [
      () => client.chat.completions.create({ messages: [] }),
      () =>
        client.chat.completions.create({
          model: 123,
          messages: user,
        } as unknown as ChatCompletionCreateParams),
      () => client.chat.completions.create({ messages: user, max_tokens: -5 }),
      () => client.completions.create({ prompt: 'x', temperature: 9 }),
      () => client.embeddings.create({ input: 5 } as never),
    ]
    const params: (string | undefined)[] = []
    for (const call of invalid) {
      const error = await call().catch((e: unknown) => e)
      expect(isSdkError(error) && error.code).toBe('INVALID_REQUEST')
      params.push(isSdkError(error) ? error.param : 'not an SdkError')
    }
    expect(params).toEqual(['messages', 'model', 'max_tokens', 'temperature', 'input'])
    expect(calls).toEqual([])
    // A body that JSON cannot carry is the caller's error too, not a crash mid-relay.
    const cyclic: Record<string, unknown> = { messages: user }
    cyclic['self'] = cyclic
    const error = await client.chat.completions.create(cyclic as never).catch((e: unknown) => e)
    expect(isSdkError(error) && error.code).toBe('INVALID_REQUEST')
    expect(calls).toEqual([])
  })
})
