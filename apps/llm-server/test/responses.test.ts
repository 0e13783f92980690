import { describe, expect, it } from 'vitest'
import { endpointLabel } from '../src/app.js'
import { createLlmMetrics } from '../src/metrics.js'
import { createChunkWriter, newCompletionId, toCompletionBody } from '../src/openai-responses.js'
import { encodeFloat32Base64, normalize } from '../src/routes/embeddings.js'

const result = {
  text: 'Paris.',
  finishReason: 'stop',
  promptTokens: 5,
  completionTokens: 2,
} as const

describe('OpenAI response objects', () => {
  it('builds chat and text completions with usage', () => {
    const header = { id: 'chatcmpl-x', created: 1, model: 'm' }
    const chat = toCompletionBody({ ...header, kind: 'chat' }, result)
    expect(chat).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { role: 'assistant', content: 'Paris.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    })
    const text = toCompletionBody({ ...header, kind: 'completion' }, result, 'Q: ')
    expect(text).toMatchObject({ object: 'text_completion', choices: [{ text: 'Q: Paris.' }] })
  })

  it('builds stream chunks, with usage null on each when the client asked for usage', () => {
    const chunks = createChunkWriter({ kind: 'chat', id: 'c', created: 1, model: 'm' }, true)
    expect(chunks.role()).toMatchObject({
      object: 'chat.completion.chunk',
      choices: [{ delta: { role: 'assistant', content: '' } }],
      usage: null,
    })
    expect(chunks.text('Hi').choices).toEqual([
      { index: 0, delta: { content: 'Hi' }, logprobs: null, finish_reason: null },
    ])
    expect(chunks.finish(result).choices[0]).toMatchObject({ finish_reason: 'stop' })
    expect(chunks.usage(result)).toMatchObject({ choices: [], usage: { total_tokens: 7 } })
    const plain = createChunkWriter({ kind: 'completion', id: 'c', created: 1, model: 'm' }, false)
    expect(plain.text('a')).not.toHaveProperty('usage')
    expect(plain.text('a').choices[0]).toMatchObject({ text: 'a' })
  })

  it('names ids as OpenAI does', () => {
    expect(newCompletionId('chat')).toMatch(/^chatcmpl-[0-9a-f]{24}$/)
    expect(newCompletionId('completion')).toMatch(/^cmpl-[0-9a-f]{24}$/)
  })
})

describe('embeddings', () => {
  it('normalises to unit length and encodes little-endian float32 base64', () => {
    expect(normalize([3, 4])).toEqual([0.6, 0.8])
    expect(normalize([0, 0])).toEqual([0, 0])
    const bytes = Buffer.from(encodeFloat32Base64([1, -2]), 'base64')
    expect([bytes.readFloatLE(0), bytes.readFloatLE(4)]).toEqual([1, -2])
  })
})

describe('metrics', () => {
  it('labels unknown paths as one series and exports the llm_ series', async () => {
    expect(endpointLabel('/v1/models/x')).toBe('/v1/models/:model')
    expect(endpointLabel('/nope')).toBe('other')
    const metrics = createLlmMetrics()
    metrics.requests.inc({ endpoint: '/v1/models', status: '200' })
    metrics.timeToFirstToken.observe(0.02)
    metrics.gauge('llm_sequences_busy', 'Busy.', () => 1)
    const text = await metrics.render()
    expect(text).toContain('llm_requests_total{endpoint="/v1/models",status="200"} 1')
    expect(text).toContain('llm_time_to_first_token_seconds_bucket{le="0.025"} 1')
    expect(text).toContain('llm_sequences_busy 1')
  })
})
