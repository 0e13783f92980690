import { describe, expect, it } from 'vitest'
import { isLlmServerError, toOpenAiError } from '../src/errors.js'
import {
  parseJsonBody,
  readChatCompletionRequest,
  readCompletionRequest,
  readEmbeddingRequest,
} from '../src/requests.js'

const user = [{ role: 'user', content: 'hi' }]

function errorOf(run: () => unknown) {
  try {
    run()
  } catch (error) {
    if (!isLlmServerError(error)) throw error
    return toOpenAiError(error)
  }
  throw new Error('expected an error')
}

describe('request parsing', () => {
  it('applies OpenAI defaults', () => {
    expect(readChatCompletionRequest({ messages: user })).toEqual({
      model: undefined,
      maxTokens: undefined,
      temperature: 1,
      topP: 1,
      seed: undefined,
      stop: [],
      frequencyPenalty: 0,
      presencePenalty: 0,
      ignoreEos: false,
      stream: false,
      includeUsage: false,
      messages: [{ role: 'user', content: 'hi' }],
    })
  })

  it('reads sampling fields, stops, stream options and text parts', () => {
    const request = readChatCompletionRequest({
      model: 'm',
      messages: [
        { role: 'developer', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
        { role: 'assistant', content: null },
      ],
      max_tokens: 5,
      max_completion_tokens: 7,
      temperature: 0,
      top_p: 0.5,
      seed: -1,
      stop: 'x',
      stream: true,
      stream_options: { include_usage: true },
    })
    expect(request).toMatchObject({
      model: 'm',
      maxTokens: 7,
      temperature: 0,
      topP: 0.5,
      seed: 2 ** 32 - 1,
      stop: ['x'],
      stream: true,
      includeUsage: true,
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'ab' },
        { role: 'assistant', content: '' },
      ],
    })
  })

  it('refuses malformed JSON with invalid_json', () => {
    expect(errorOf(() => parseJsonBody('{'))).toMatchObject({
      status: 400,
      body: { error: { type: 'invalid_request_error', code: 'invalid_json' } },
    })
    expect(errorOf(() => parseJsonBody('[1]')).status).toBe(400)
  })

  it('names the parameter at fault', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, 'messages'],
      [{ messages: [] }, 'messages'],
      [{ messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role'],
      [{ messages: user, temperature: 3 }, 'temperature'],
      [{ messages: user, max_tokens: 0 }, 'max_tokens'],
      [{ messages: user, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
      [{ messages: user, seed: 1.5 }, 'seed'],
      [{ messages: user, model: 3 }, 'model'],
    ]
    for (const [body, param] of cases) {
      expect(errorOf(() => readChatCompletionRequest(body)).body.error).toMatchObject({
        code: 'invalid_value',
        param,
      })
    }
  })

  it('refuses what it cannot honour instead of ignoring it', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ messages: user, n: 2 }, 'n'],
      [{ messages: user, logprobs: true }, 'logprobs'],
      [{ messages: user, logit_bias: { '1': 5 } }, 'logit_bias'],
      [{ messages: user, tools: [{ type: 'function' }] }, 'tools'],
      [{ messages: user, response_format: { type: 'json_object' } }, 'response_format'],
      [{ messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].role'],
      [
        { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] },
        'messages[0].content[0].type',
      ],
    ]
    for (const [body, param] of cases) {
      expect(errorOf(() => readChatCompletionRequest(body))).toMatchObject({
        status: 400,
        body: { error: { code: 'unsupported_parameter', param } },
      })
    }
    // Harmless defaults that clients send are accepted.
    expect(() =>
      readChatCompletionRequest({
        messages: user,
        n: 1,
        logprobs: false,
        logit_bias: {},
        tools: [],
      }),
    ).not.toThrow()
  })

  it('reads completion prompts as text or token IDs, one at a time', () => {
    expect(readCompletionRequest({ prompt: 'abc', echo: true })).toMatchObject({
      prompt: 'abc',
      echo: true,
    })
    expect(readCompletionRequest({ prompt: ['abc'] }).prompt).toBe('abc')
    expect(readCompletionRequest({ prompt: [1, 2, 3] }).prompt).toEqual([1, 2, 3])
    expect(errorOf(() => readCompletionRequest({ prompt: ['a', 'b'] })).body.error.code).toBe(
      'unsupported_parameter',
    )
    expect(errorOf(() => readCompletionRequest({ prompt: 5 })).body.error.param).toBe('prompt')
  })

  it('reads embedding inputs', () => {
    expect(readEmbeddingRequest({ input: 'a' })).toEqual({
      model: undefined,
      inputs: ['a'],
      encodingFormat: 'float',
    })
    expect(readEmbeddingRequest({ input: ['a', 'b'], encoding_format: 'base64' }).inputs).toEqual([
      'a',
      'b',
    ])
    expect(errorOf(() => readEmbeddingRequest({ input: '' })).body.error.param).toBe('input')
  })
})
