import type { LlmEngine } from '../engine.js'
import { LlmServerError } from '../errors.js'
import type { Generations } from '../generations.js'
import type { LlmMetrics } from '../metrics.js'

export type LlmAppOptions = {
  /** The name clients send as `model`; any other name is a 404. */
  modelName: string
  maxBodyBytes: number
  /** Deadline for one generation, queueing included. */
  requestTimeoutMs: number
}

/** What every route handler reads: the engine, the metrics, the options, generations in flight. */
export type LlmAppContext = {
  engine: LlmEngine
  metrics: LlmMetrics
  options: LlmAppOptions
  generations: Generations
  /** Unix seconds the server started, reported as the model's `created`. */
  createdAt: number
}

/** Refuses a request that names another model (an absent `model` means the served one). */
export function assertModel(ctx: LlmAppContext, model: string | undefined): void {
  if (model !== undefined && model !== ctx.options.modelName) {
    throw new LlmServerError('MODEL_NOT_FOUND', `The model \`${model}\` does not exist.`, {
      param: 'model',
      details: `This server serves \`${ctx.options.modelName}\`.`,
    })
  }
}
