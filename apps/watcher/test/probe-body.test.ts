// Probe bodies are requests the gateway would accept from a user: they pass the one OpenAI
// request schema (`@decai/sdk/openai`), field for field, in the order the OpenAI clients write.
import { checkOpenAiRequest } from '@decai/sdk/openai'
import { describe, expect, it } from 'vitest'
import { buildProbeBody, corpus } from '../src/index.js'

describe('probe bodies', () => {
  it('every corpus prompt, challenge or not, streamed or not, passes the request schema', () => {
    for (const prompt of corpus)
      for (const challenge of [undefined, { seed: 42 }])
        for (const stream of [true, false]) {
          const body = buildProbeBody({
            model: 'm',
            prompt: prompt.text,
            maxTokens: 24,
            stream,
            challenge,
          })
          expect(checkOpenAiRequest('chat', body).ok).toBe(true)
        }
  })

  it('writes the fields in the OpenAI clients’ order', () => {
    const body = buildProbeBody({
      model: 'm',
      prompt: 'Hi',
      maxTokens: 8,
      stream: true,
      challenge: { seed: 1 },
    })
    expect(Object.keys(body)).toEqual([
      'model',
      'messages',
      'max_tokens',
      'temperature',
      'seed',
      'stream',
    ])
    expect(body['temperature']).toBe(0)
  })
})
