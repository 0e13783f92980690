import type { Service } from '@decai/protocol'
import {
  isSameMetering,
  readServiceCard,
  readServiceCardMetering,
  type TokenMetering,
} from '@decai/session'
import { type ModelPricing, resolveModelPricing } from './billing.js'
import type { EndpointName, ModelConfig, ModelTier } from './config.js'

// The model catalog: model name → service. Config entries come first; service cards on chain
// (`Service.metadata.card`, schema `pocket-service-card/v1`) add the models their owners
// declare, under the card extension keys documented in docs/gateway.md:
//
//   { "schema": "pocket-service-card/v1",
//     "apis": ["openai-chat-completions", "openai-completions", "openai-embeddings"],
//     "models": ["smollm2-135m-instruct"],           // or [{ "id": "…", "context_length": 2048 }]
//     "token_metering": { "quantum": 100, "input_weight": 1, "output_weight": 4 }   // optional
//   }
//
// A card's `token_metering` is the service's declaration of Q and the weights
// (docs/tokenomics.md): the gateway prices a configured model of that service from it.

export type CatalogModel = {
  name: string
  serviceId: string
  upstreamModel: string
  endpoints: EndpointName[]
  pricing: ModelPricing
  /** The service's token metering (its card, else the config), when it meters tokens. */
  metering: TokenMetering | undefined
  contextLength: number | undefined
  /** The most choices (`n`, `best_of`) a request may ask for; unset: the schema's limit. */
  maxChoices?: number | undefined
  /** Price tiers by latency (config only), asked for as `name@tier`. */
  tiers?: readonly ModelTier[] | undefined
  source: 'config' | 'card'
}

const apiEndpoints: Record<string, EndpointName> = {
  'openai-chat-completions': 'chat',
  'openai-completions': 'completions',
  'openai-embeddings': 'embeddings',
}

/**
 * The token metering a service card declares (`readServiceCardMetering` in `@decai/session`, the
 * one reader the supplier uses too), or undefined when it declares none or a declaration that is
 * not integers: the gateway then prices the service as its config says.
 */
export function readCardMetering(service: Service): TokenMetering | undefined {
  try {
    return readServiceCardMetering(service)
  } catch {
    return undefined
  }
}

/** The models a service card declares (empty for cards without them, or without a card). */
export function readCardModels(service: Service): CatalogModel[] {
  const card = readServiceCard(service)
  if (card === undefined) return []
  const metering = readCardMetering(service)
  const { models, apis } = card as { models?: unknown; apis?: unknown }
  if (!Array.isArray(models)) return []
  const declared = Array.isArray(apis)
    ? apis.flatMap((a) => (typeof a === 'string' && apiEndpoints[a] ? [apiEndpoints[a]] : []))
    : []
  const endpoints: EndpointName[] =
    declared.length > 0 ? declared : ['chat', 'completions', 'embeddings']
  const out: CatalogModel[] = []
  for (const entry of models) {
    const id =
      typeof entry === 'string'
        ? entry
        : typeof entry === 'object' && entry !== null
          ? ((entry as { id?: unknown }).id ?? (entry as { name?: unknown }).name)
          : undefined
    if (typeof id !== 'string' || id === '' || id.length > 256) continue
    const contextLength = (entry as { context_length?: unknown })?.context_length
    out.push({
      name: id,
      serviceId: service.id,
      upstreamModel: id,
      endpoints,
      pricing: { promptPerMillion: 0, completionPerMillion: 0 },
      metering,
      contextLength: typeof contextLength === 'number' ? contextLength : undefined,
      source: 'card',
    })
  }
  return out
}

/** A configured model whose prices contradict the weights its service card declares. */
export type PricingConflict = { model: string; serviceId: string; details: string }

function toCatalogModel(m: ModelConfig, metering = m.tokenMetering): CatalogModel {
  return {
    name: m.name,
    serviceId: m.serviceId,
    upstreamModel: m.upstreamModel ?? m.name,
    endpoints: m.endpoints,
    pricing: resolveModelPricing(m.pricing, metering),
    metering,
    contextLength: m.contextLength,
    maxChoices: m.maxChoices,
    tiers: m.tiers,
    source: 'config',
  }
}

export class ModelCatalog {
  readonly #models: readonly ModelConfig[]
  #configured: Map<string, CatalogModel>
  #discovered = new Map<string, CatalogModel>()

  constructor(models: readonly ModelConfig[]) {
    this.#models = models
    this.#configured = new Map(models.map((m) => [m.name, toCatalogModel(m)]))
  }

  /**
   * Replaces the card-declared models (config entries of the same name win) and prices the
   * configured models of token-metered services from the weights their cards declare. A
   * configured model whose prices contradict its card keeps its config's metering and is
   * returned, to be reported.
   */
  updateFromServices(services: Iterable<Service>): PricingConflict[] {
    const next = new Map<string, CatalogModel>()
    const declared = new Map<string, TokenMetering>()
    for (const service of services) {
      const metering = readCardMetering(service)
      if (metering) declared.set(service.id, metering)
      for (const model of readCardModels(service))
        if (!next.has(model.name)) next.set(model.name, model)
    }
    this.#discovered = next
    const conflicts: PricingConflict[] = []
    const configured = new Map<string, CatalogModel>()
    for (const m of this.#models) {
      const card = declared.get(m.serviceId)
      let model = toCatalogModel(m)
      if (card && !isSameMetering(card, m.tokenMetering))
        try {
          model = toCatalogModel(m, card)
        } catch (error) {
          const details = (error as { details?: string }).details ?? String(error)
          conflicts.push({ model: m.name, serviceId: m.serviceId, details })
        }
      configured.set(m.name, model)
    }
    this.#configured = configured
    return conflicts
  }

  resolve(name: string): CatalogModel | undefined {
    return this.#configured.get(name) ?? this.#discovered.get(name)
  }

  /**
   * The model and price tier a client names: `model` (no tier), or `model@tier` for one of the
   * model's tiers (a model whose own name has an `@` is found first). Undefined when neither.
   */
  resolveTiered(name: string): { model: CatalogModel; tier: ModelTier | undefined } | undefined {
    const model = this.resolve(name)
    if (model) return { model, tier: undefined }
    const at = name.lastIndexOf('@')
    if (at <= 0) return undefined
    const base = this.resolve(name.slice(0, at))
    const tier = base?.tiers?.find((t) => t.name === name.slice(at + 1))
    return base && tier ? { model: base, tier } : undefined
  }

  /** Every model, config first. */
  all(): CatalogModel[] {
    const out = [...this.#configured.values()]
    for (const m of this.#discovered.values()) if (!this.#configured.has(m.name)) out.push(m)
    return out
  }
}
