// The real server on the real model (SmolLM2-135M-Instruct, CPU), driven by the official
// `openai` client. Small max_tokens everywhere: the suite runs on two busy cores.
import OpenAI, { APIError } from 'openai'
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureModel, type LlmServer, startLlmServer } from '../src/index.js'

const system = { role: 'system', content: 'You are a helpful assistant.' } as const
const capitalQuestion = [
  system,
  { role: 'user', content: 'What is the capital of France?' },
] as const satisfies ChatCompletionCreateParamsNonStreaming['messages']

// vLLM and llama-server extension, not in the client's types.
type Extra = { ignore_eos?: boolean }

let modelPath: string
let server: LlmServer
let client: OpenAI

beforeAll(async () => {
  modelPath = await ensureModel()
  server = await startLlmServer({ port: 0, modelPath, parallel: 2 })
  client = new OpenAI({ baseURL: server.baseUrl, apiKey: 'unused', maxRetries: 0 })
})

afterAll(async () => {
  await server?.stop()
})

async function apiError(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof APIError) return error
    throw error
  }
  throw new Error('expected an API error')
}

async function metric(target: LlmServer, line: string): Promise<number> {
  const text = await (await fetch(`${target.url}/metrics`)).text()
  const found = text.split('\n').find((l) => l.startsWith(`${line} `))
  return found ? Number(found.slice(line.length + 1)) : 0
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('models and health', () => {
  it('lists the one model it serves', async () => {
    const models = await client.models.list()
    expect(models.data.map((m) => m.id)).toEqual([server.modelName])
    expect((await client.models.retrieve(server.modelName)).id).toBe('smollm2-135m-instruct')
  })

  it('answers /healthz', async () => {
    const response = await fetch(`${server.url}/healthz`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ status: 'ok', sequences: 2 })
  })
})

describe('chat completions', () => {
  it('returns real text with exact usage', async () => {
    const completion = await client.chat.completions.create({
      model: server.modelName,
      messages: capitalQuestion,
      temperature: 0,
      max_tokens: 24,
    })
    const choice = completion.choices[0]
    expect(completion.object).toBe('chat.completion')
    expect(choice?.message.role).toBe('assistant')
    expect(choice?.message.content).toContain('Paris')
    expect(choice?.finish_reason).toBe('stop')
    const usage = completion.usage
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0))
    expect(usage?.completion_tokens).toBeGreaterThan(0)
    expect(usage?.completion_tokens).toBeLessThanOrEqual(24)

    // The same prompt templated by hand through /v1/completions: same tokens, same answer.
    const templated =
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' +
      '<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n'
    const raw = await client.completions.create({
      model: server.modelName,
      prompt: templated,
      temperature: 0,
      max_tokens: 24,
    })
    expect(raw.usage?.prompt_tokens).toBe(usage?.prompt_tokens)
    expect(raw.usage?.completion_tokens).toBe(usage?.completion_tokens)
    expect(raw.choices[0]?.text).toBe(choice?.message.content)
  })

  it('streams incremental chunks whose usage matches the non-streaming call', async () => {
    const params = {
      model: server.modelName,
      messages: [system, { role: 'user', content: 'Name three colors.' }],
      temperature: 0,
      max_tokens: 40,
    } satisfies ChatCompletionCreateParamsNonStreaming
    const whole = await client.chat.completions.create(params)

    const stream = await client.chat.completions.create({
      ...params,
      stream: true,
      stream_options: { include_usage: true },
    })
    const contents: string[] = []
    const roles: string[] = []
    let finishReason: string | null = null
    let usage: OpenAI.CompletionUsage | undefined
    let chunksAfterUsage = 0
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk')
      if (usage) chunksAfterUsage++
      if (chunk.usage) {
        expect(chunk.choices).toEqual([])
        usage = chunk.usage
      }
      const choice = chunk.choices[0]
      if (choice?.delta.role) roles.push(choice.delta.role)
      if (choice?.delta.content) contents.push(choice.delta.content)
      if (choice?.finish_reason) finishReason = choice.finish_reason
    }
    expect(roles).toEqual(['assistant'])
    expect(contents.length).toBeGreaterThan(3)
    expect(contents.join('')).toBe(whole.choices[0]?.message.content)
    expect(finishReason).toBe(whole.choices[0]?.finish_reason)
    expect(usage).toEqual(whole.usage)
    expect(chunksAfterUsage).toBe(0)
  })

  it('sends the first tokens while generation is still running', async () => {
    const stream = await client.chat.completions.create({
      model: server.modelName,
      messages: capitalQuestion,
      temperature: 0,
      max_tokens: 400,
      ignore_eos: true,
      stream: true,
    } as ChatCompletionCreateParamsStreaming & Extra)
    let busyAtFirstToken: number | undefined
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) {
        const health = (await (await fetch(`${server.url}/healthz`)).json()) as { busy: number }
        busyAtFirstToken = health.busy
        break // leaving the loop aborts the request
      }
    }
    expect(busyAtFirstToken).toBeGreaterThanOrEqual(1)
    await waitFor(
      async () => (await metric(server, 'llm_sequences_busy')) === 0,
      'the sequence to be released',
    )
  })

  it('is deterministic at temperature 0 and with a fixed seed', async () => {
    const ask = (extra: Partial<ChatCompletionCreateParamsNonStreaming>) =>
      client.chat.completions
        .create({
          model: server.modelName,
          messages: [system, { role: 'user', content: 'Write one sentence about the sea.' }],
          max_tokens: 20,
          ...extra,
        })
        .then((c) => c.choices[0]?.message.content)
    expect(await ask({ temperature: 0 })).toBe(await ask({ temperature: 0 }))
    expect(await ask({ temperature: 0.9, seed: 7 })).toBe(await ask({ temperature: 0.9, seed: 7 }))
  })

  it('stops at a stop sequence and does not return it', async () => {
    const completion = await client.chat.completions.create({
      model: server.modelName,
      messages: capitalQuestion,
      temperature: 0,
      max_tokens: 24,
      stop: ['Paris'],
    })
    const content = completion.choices[0]?.message.content ?? ''
    expect(content).not.toContain('Paris')
    expect(content.length).toBeGreaterThan(0)
    expect(completion.choices[0]?.finish_reason).toBe('stop')
  })

  it('finishes with "length" after exactly max_tokens', async () => {
    const completion = await client.chat.completions.create({
      model: server.modelName,
      messages: capitalQuestion,
      temperature: 0,
      max_tokens: 5,
      ignore_eos: true,
    } as ChatCompletionCreateParamsNonStreaming & Extra)
    expect(completion.choices[0]?.finish_reason).toBe('length')
    expect(completion.usage?.completion_tokens).toBe(5)
  })

  it('completes several requests at once', async () => {
    const questions = ['What is 2+2?', 'Name a fruit.', 'Name an animal.', 'What color is grass?']
    const results = await Promise.all(
      questions.map((q) =>
        client.chat.completions.create({
          model: server.modelName,
          messages: [system, { role: 'user', content: q }],
          temperature: 0,
          max_tokens: 16,
        }),
      ),
    )
    for (const result of results) {
      expect(result.choices[0]?.message.content?.length).toBeGreaterThan(0)
      expect(result.usage?.completion_tokens).toBeGreaterThan(0)
    }
  })
})

describe('completions', () => {
  it('continues a prompt, streaming and not, with the same text and usage', async () => {
    const params = {
      model: server.modelName,
      prompt: 'The capital of France is',
      temperature: 0,
      max_tokens: 8,
    }
    const whole = await client.completions.create(params)
    expect(whole.object).toBe('text_completion')
    expect(whole.choices[0]?.text.length).toBeGreaterThan(0)
    expect(whole.usage?.prompt_tokens).toBeGreaterThan(0)

    const stream = await client.completions.create({
      ...params,
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    let usage: OpenAI.CompletionUsage | undefined
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toBe(whole.choices[0]?.text)
    expect(usage).toEqual(whole.usage)
  })

  it('echoes the prompt when asked', async () => {
    const result = await client.completions.create({
      model: server.modelName,
      prompt: 'Once upon a time',
      temperature: 0,
      max_tokens: 4,
      echo: true,
    })
    expect(result.choices[0]?.text.startsWith('Once upon a time')).toBe(true)
  })
})

describe('embeddings', () => {
  it('returns unit vectors, float or base64 (the client default)', async () => {
    const result = await client.embeddings.create({
      model: server.modelName,
      input: ['hello world', 'goodbye'],
    })
    expect(result.data).toHaveLength(2)
    const vector = result.data[0]?.embedding ?? []
    expect(vector.length).toBe(576)
    expect(Math.hypot(...vector)).toBeCloseTo(1, 4)
    expect(result.usage.prompt_tokens).toBeGreaterThan(0)

    const floats = await client.embeddings.create({
      model: server.modelName,
      input: 'hello world',
      encoding_format: 'float',
    })
    const again = floats.data[0]?.embedding ?? []
    again.forEach((v, i) => {
      expect(v).toBeCloseTo(vector[i] ?? Number.NaN, 5)
    })
  })
})

describe('errors', () => {
  it('answers malformed JSON with 400 invalid_request_error', async () => {
    const response = await fetch(`${server.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": ',
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      error: {
        message: expect.any(String),
        type: 'invalid_request_error',
        code: 'invalid_json',
        param: null,
      },
    })
  })

  it('answers an unknown model with 404 model_not_found', async () => {
    const error = await apiError(
      client.chat.completions.create({ model: 'gpt-4o', messages: capitalQuestion }),
    )
    expect(error.status).toBe(404)
    expect(error.type).toBe('invalid_request_error')
    expect(error.code).toBe('model_not_found')
    expect(error.param).toBe('model')
  })

  it('answers n=2 with 400 naming the parameter', async () => {
    const error = await apiError(
      client.chat.completions.create({
        model: server.modelName,
        messages: capitalQuestion,
        n: 2,
      }),
    )
    expect(error.status).toBe(400)
    expect(error.type).toBe('invalid_request_error')
    expect(error.param).toBe('n')
  })

  it('answers a huge body with 413', async () => {
    const error = await apiError(
      client.chat.completions.create({
        model: server.modelName,
        messages: [{ role: 'user', content: 'x'.repeat(2 * 1024 * 1024) }],
      }),
    )
    expect(error.status).toBe(413)
    expect(error.code).toBe('request_too_large')
  })

  it('answers a prompt longer than the context with 400 context_length_exceeded', async () => {
    const error = await apiError(
      client.completions.create({
        model: server.modelName,
        prompt: 'word '.repeat(3000),
        max_tokens: 4,
      }),
    )
    expect(error.status).toBe(400)
    expect(error.code).toBe('context_length_exceeded')
  })

  it('answers unknown routes with an OpenAI-shaped 404', async () => {
    const response = await fetch(`${server.baseUrl}/nothing-here`)
    expect(response.status).toBe(404)
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe(
      'invalid_request_error',
    )
  })
})

describe('one sequence: abort, overload, timeout', () => {
  let single: LlmServer
  let singleClient: OpenAI
  const long = {
    messages: capitalQuestion,
    temperature: 0,
    max_tokens: 1500,
    ignore_eos: true,
  }

  beforeAll(async () => {
    single = await startLlmServer({ modelPath, parallel: 1, maxQueue: 1 })
    singleClient = new OpenAI({ baseURL: single.baseUrl, apiKey: 'unused', maxRetries: 0 })
  })

  afterAll(async () => {
    await single?.stop()
  })

  it('stops generating when the client aborts, and frees the sequence', async () => {
    const controller = new AbortController()
    const stream = await singleClient.chat.completions.create(
      { model: single.modelName, stream: true, ...long } as ChatCompletionCreateParamsStreaming &
        Extra,
      { signal: controller.signal },
    )
    let chunks = 0
    // The client ends the iteration quietly once its signal aborts.
    for await (const _ of stream) {
      if (++chunks === 3) controller.abort()
    }
    expect(chunks).toBeLessThan(200)
    await waitFor(
      async () => (await metric(single, 'llm_generations_aborted_total')) === 1,
      'the abort to be counted',
    )
    expect(await metric(single, 'llm_sequences_busy')).toBe(0)
    // Far fewer than the 1500 requested were generated.
    expect(await metric(single, 'llm_completion_tokens_total{endpoint="chat"}')).toBeLessThan(200)
    // The one sequence serves the next request.
    const next = await singleClient.chat.completions.create({
      model: single.modelName,
      messages: capitalQuestion,
      temperature: 0,
      max_tokens: 8,
    })
    expect(next.choices[0]?.message.content?.length).toBeGreaterThan(0)
  })

  it('stops a non-streaming generation when its client goes away', async () => {
    const before = await metric(single, 'llm_generations_aborted_total')
    const controller = new AbortController()
    const pending = singleClient.chat.completions.create(
      { model: single.modelName, ...long } as ChatCompletionCreateParamsNonStreaming & Extra,
      { signal: controller.signal },
    )
    await waitFor(
      async () => (await metric(single, 'llm_sequences_busy')) === 1,
      'generation to start',
    )
    controller.abort()
    await expect(pending).rejects.toThrow()
    await waitFor(
      async () => (await metric(single, 'llm_generations_aborted_total')) === before + 1,
      'the abort to be counted',
    )
    expect(await metric(single, 'llm_sequences_busy')).toBe(0)
  })

  it('answers 503 when the sequence is busy and the queue is full', async () => {
    const holder = new AbortController()
    const running = await singleClient.chat.completions.create(
      { model: single.modelName, stream: true, ...long } as ChatCompletionCreateParamsStreaming &
        Extra,
      { signal: holder.signal },
    )
    const iterator = running[Symbol.asyncIterator]()
    await iterator.next() // the sequence is now leased
    const queued = singleClient.chat.completions.create({
      model: single.modelName,
      messages: capitalQuestion,
      temperature: 0,
      max_tokens: 4,
    })
    await waitFor(
      async () => (await metric(single, 'llm_requests_queued')) === 1,
      'the second request to queue',
    )
    const refused = await apiError(
      singleClient.chat.completions.create({
        model: single.modelName,
        messages: capitalQuestion,
        max_tokens: 4,
      }),
    )
    expect(refused.status).toBe(503)
    expect(refused.type).toBe('server_error')
    expect(refused.headers?.get('retry-after')).toBe('1')
    holder.abort()
    await iterator.next().catch(() => undefined)
    expect((await queued).choices[0]?.message.content?.length).toBeGreaterThan(0)
  })
})

describe('deadline', () => {
  it('answers 504 when a generation runs past the request timeout', async () => {
    const slow = await startLlmServer({ modelPath, parallel: 1, requestTimeoutMs: 300 })
    try {
      const slowClient = new OpenAI({ baseURL: slow.baseUrl, apiKey: 'unused', maxRetries: 0 })
      const error = await apiError(
        slowClient.chat.completions.create({
          model: slow.modelName,
          messages: capitalQuestion,
          temperature: 0,
          max_tokens: 1500,
          ignore_eos: true,
        } as ChatCompletionCreateParamsNonStreaming & Extra),
      )
      expect(error.status).toBe(504)
      expect(error.code).toBe('timeout')
    } finally {
      await slow.stop()
    }
  })
})
