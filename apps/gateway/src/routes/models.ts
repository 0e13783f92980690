import type { Context } from 'hono'
import type { ChainView } from '../chain-view.js'
import { GatewayError } from '../errors.js'
import type { ApiKeyRecord } from '../key-store.js'
import type { CatalogModel, ModelCatalog } from '../models.js'
import { authenticate } from './auth.js'
import type { GatewayAppDependencies } from './context.js'

/**
 * Models a key may see: those whose service exists on chain with an application to pay for it
 * (all configured ones while the chain has not been read yet), within the key's allow-list.
 */
export function listVisibleModels(
  catalog: Pick<ModelCatalog, 'all'>,
  view: Pick<ChainView, 'ready' | 'services' | 'applicationsFor'>,
  key: ApiKeyRecord | null,
): CatalogModel[] {
  return catalog
    .all()
    .filter(
      (m) =>
        !view.ready ||
        (view.services.has(m.serviceId) && view.applicationsFor(m.serviceId).length > 0),
    )
    .filter((m) => key?.models == null || key.models.includes(m.name))
}

/**
 * A catalog model as OpenAI's `model` object. OpenAI's own has no context length; the context
 * length goes under the two names clients look for: `context_length` (OpenRouter, LiteLLM) and
 * `max_model_len` (vLLM, and this project's llm-server). A model with price tiers lists them
 * under `tiers` (an extension, like the context length).
 */
export function toOpenAiModel(m: CatalogModel) {
  return {
    id: m.name,
    object: 'model',
    created: 0,
    owned_by: m.serviceId,
    ...(m.contextLength !== undefined
      ? { context_length: m.contextLength, max_model_len: m.contextLength }
      : {}),
    // Price tiers by latency, asked for as `model@tier` (docs/gateway.md, "Price tiers").
    ...(m.tiers?.length
      ? {
          tiers: m.tiers.map((t) => ({
            id: `${m.name}@${t.name}`,
            max_ttft_ms: t.maxTtftMs ?? null,
            max_tpot_ms: t.maxTpotMs ?? null,
            price_multiplier: t.priceMultiplier,
            fallback: t.fallback,
          })),
        }
      : {}),
  }
}

/** `GET /v1/models`. */
export async function handleListModels(
  deps: GatewayAppDependencies,
  c: Context,
): Promise<Response> {
  const key = await authenticate(deps.config, deps.store, c)
  return c.json({
    object: 'list',
    data: listVisibleModels(deps.catalog, deps.view, key).map(toOpenAiModel),
  })
}

/** `GET /v1/models/:id`. */
export async function handleGetModel(deps: GatewayAppDependencies, c: Context): Promise<Response> {
  const key = await authenticate(deps.config, deps.store, c)
  const id = c.req.param('id') ?? ''
  const model = listVisibleModels(deps.catalog, deps.view, key).find((m) => m.name === id)
  if (!model)
    throw new GatewayError('MODEL_NOT_FOUND', `The model '${id}' does not exist.`, {
      param: 'model',
    })
  return c.json(toOpenAiModel(model))
}

/** `GET /healthz`: 200 once the chain has been read, else 503. */
export function handleHealth(deps: Pick<GatewayAppDependencies, 'view'>, c: Context): Response {
  const { view } = deps
  const ready = view.ready && view.height > 0n
  return c.json(
    {
      status: ready ? 'ok' : 'degraded',
      height: view.height.toString(),
      applications: view.applications.length,
      sessions: view.listSessions().length,
      ...(view.lastError ? { chainError: view.lastError } : {}),
    },
    ready ? 200 : 503,
  )
}
