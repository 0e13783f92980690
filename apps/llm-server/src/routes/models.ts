import type { Context } from 'hono'
import { assertModel, type LlmAppContext } from './context.js'

// `GET /v1/models`, `GET /v1/models/:model` and the health check.

function toModelCard(ctx: LlmAppContext) {
  return {
    id: ctx.options.modelName,
    object: 'model',
    created: ctx.createdAt,
    owned_by: 'decai',
    max_model_len: ctx.engine.contextSize,
  }
}

export function handleListModels(ctx: LlmAppContext, c: Context): Response {
  return c.json({ object: 'list', data: [toModelCard(ctx)] })
}

export function handleGetModel(ctx: LlmAppContext, c: Context): Response {
  assertModel(ctx, c.req.param('model'))
  return c.json(toModelCard(ctx))
}

export function handleHealth(ctx: LlmAppContext, c: Context): Response {
  const { engine } = ctx
  return c.json({
    status: 'ok',
    model: ctx.options.modelName,
    sequences: engine.parallel,
    busy: engine.busy,
    queued: engine.queued,
  })
}
