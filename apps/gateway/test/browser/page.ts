// The page of the real-browser test (browser.test.ts), bundled for the browser by esbuild: an
// application streaming a completion straight from the suppliers with `@decai/sdk` (direct mode:
// session from the chain's RPC, signed relays, verified frames) and through the gateway with the
// official `openai` client. The test calls these functions in headless Chromium.
import { createClient } from '@decai/sdk'
import OpenAI from 'openai'

export type StreamResult = {
  text: string
  chunks: number
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null
  /** Who answered: the relay's verified supplier, or the gateway's `x-decai-supplier` header. */
  supplier: string | null
  streamed: boolean
}

export type DirectParameters = { rpcUrl: string; key: string; service: string; prompt: string }
export type GatewayParameters = { baseURL: string; apiKey: string; model: string; prompt: string }

async function streamDirect(p: DirectParameters): Promise<StreamResult> {
  const client = createClient({ chain: p.rpcUrl, key: p.key, service: p.service })
  const stream = await client.chat.completions.create({
    messages: [{ role: 'user', content: p.prompt }],
    max_tokens: 16,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
  })
  const result: StreamResult = {
    text: '',
    chunks: 0,
    usage: null,
    supplier: stream.response.relay.supplierOperatorAddress,
    streamed: stream.response.relay.streamed,
  }
  for await (const chunk of stream) {
    result.chunks++
    result.text += chunk.choices[0]?.delta?.content ?? ''
    if (chunk.usage) result.usage = chunk.usage
  }
  return result
}

async function streamThroughGateway(p: GatewayParameters): Promise<StreamResult> {
  const client = new OpenAI({
    baseURL: p.baseURL,
    apiKey: p.apiKey,
    dangerouslyAllowBrowser: true,
    maxRetries: 0,
  })
  const { data: stream, response } = await client.chat.completions
    .create({
      model: p.model,
      messages: [{ role: 'user', content: p.prompt }],
      max_tokens: 16,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    })
    .withResponse()
  const result: StreamResult = {
    text: '',
    chunks: 0,
    usage: null,
    // Readable only when the gateway exposes it (Access-Control-Expose-Headers).
    supplier: response.headers.get('x-decai-supplier'),
    streamed: (response.headers.get('content-type') ?? '').startsWith('text/event-stream'),
  }
  for await (const chunk of stream) {
    result.chunks++
    result.text += chunk.choices[0]?.delta?.content ?? ''
    if (chunk.usage) result.usage = chunk.usage
  }
  return result
}

/** Runs `f` and returns its result, or the error's name and message (they cross into the test). */
async function settle<T>(
  f: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await f() }
  } catch (error) {
    const e = error as { name?: string; code?: string; message?: string }
    return {
      ok: false,
      error: `${e.name ?? 'Error'} ${e.code ?? ''}: ${e.message ?? String(error)}`,
    }
  }
}

Object.assign(globalThis, {
  streamDirect: (p: DirectParameters) => settle(() => streamDirect(p)),
  streamThroughGateway: (p: GatewayParameters) => settle(() => streamThroughGateway(p)),
})
