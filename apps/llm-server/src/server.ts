import { availableParallelism } from 'node:os'
import { type RunningServer, startServer } from '@decai/app-kit/server'
import { createLlmApp } from './app.js'
import { LlmEngine } from './engine.js'
import { LlmServerError } from './errors.js'
import { createLlmMetrics } from './metrics.js'
import { ensureModel } from './model-file.js'

export type StartLlmServerOptions = {
  /** TCP port; `0` (the default) picks a free one. */
  port?: number
  /** Interface to bind; default `127.0.0.1`. */
  host?: string
  /** GGUF file to serve; default: the pinned test model, fetched by `ensureModel()` if missing. */
  modelPath?: string
  /** The id clients send as `model`; default `smollm2-135m-instruct`. */
  modelName?: string
  /** CPU threads per evaluation; default 1 on a 2-core machine, else half the cores (max 4). */
  threads?: number
  /** Tokens per sequence (prompt plus completion); default 2048. */
  contextSize?: number
  /** Context sequences (requests generated at once); default 2. */
  parallel?: number
  /** Requests that may wait for a sequence before the server answers 503; default 32. */
  maxQueue?: number
  /** Longest wait for a sequence, then 503/504; default 60 s. */
  queueTimeoutMs?: number
  /** Deadline for a whole generation; default 10 min. */
  requestTimeoutMs?: number
  /** Largest accepted request body; default 1 MiB (larger is 413). */
  maxBodyBytes?: number
  /** Serve `/v1/embeddings` (a lazily created embedding context); default true. */
  embeddings?: boolean
}

export type LlmServer = {
  /** Origin, e.g. `http://127.0.0.1:43117`; OpenAI clients use `${url}/v1`. */
  readonly url: string
  /** `${url}/v1`, the `baseURL` for OpenAI clients. */
  readonly baseUrl: string
  readonly port: number
  readonly host: string
  readonly modelName: string
  readonly modelPath: string
  /** Stops generations in flight, closes the port, frees the model. Idempotent. */
  stop(): Promise<void>
}

export const defaultModelName = 'smollm2-135m-instruct'

/** Default CPU threads: measured fastest on the 2-core reference machine with one thread. */
export function getDefaultThreads(): number {
  const cores = availableParallelism()
  return cores <= 2 ? 1 : Math.min(4, Math.floor(cores / 2))
}

/** Starts the OpenAI-compatible server on a real model and resolves once it is listening. */
export async function startLlmServer(options: StartLlmServerOptions = {}): Promise<LlmServer> {
  const host = options.host ?? '127.0.0.1'
  const modelName = options.modelName ?? defaultModelName
  const modelPath = options.modelPath ?? (await ensureModel())
  const engine = await LlmEngine.load({
    modelPath,
    threads: positive('threads', options.threads ?? getDefaultThreads()),
    contextSize: positive('contextSize', options.contextSize ?? 2048),
    parallel: positive('parallel', options.parallel ?? 2),
    maxQueue: nonNegative('maxQueue', options.maxQueue ?? 32),
    queueTimeoutMs: positive('queueTimeoutMs', options.queueTimeoutMs ?? 60_000),
    embeddings: options.embeddings ?? true,
  })
  const metrics = createLlmMetrics()
  const { app, abortAll } = createLlmApp(engine, metrics, {
    modelName,
    maxBodyBytes: positive('maxBodyBytes', options.maxBodyBytes ?? 1024 * 1024),
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs ?? 600_000),
  })

  let server: RunningServer
  try {
    server = await startServer({ fetch: app.fetch, port: options.port ?? 0, host })
  } catch (error) {
    await engine.dispose()
    throw error
  }

  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      // No new requests; generations in flight end with an error their clients still get,
      // then (after at most a second) whatever connection is left is closed.
      const closed = server.stop({ graceMs: 1000 })
      await abortAll(new LlmServerError('ABORTED', 'The server is shutting down.'))
      await closed
      await engine.dispose()
    })()
    return stopping
  }

  const { url, port } = server
  return { url, baseUrl: `${url}/v1`, port, host, modelName, modelPath, stop }
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new LlmServerError('INVALID_PARAMETER', `${name} must be a positive integer.`, {
      details: String(value),
    })
  }
  return value
}

function nonNegative(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new LlmServerError('INVALID_PARAMETER', `${name} must be a non-negative integer.`, {
      details: String(value),
    })
  }
  return value
}
