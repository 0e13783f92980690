import type { Service } from '@decai/protocol'
import type { EndpointName, ModelConfig } from './config.js'

// The model catalog: model name → service. Config entries come first; service cards on chain
// (`Service.metadata.card`, schema `pocket-service-card/v1`) add the models their owners
// declare, under the card extension keys documented in docs/gateway.md:
//
//   { "schema": "pocket-service-card/v1",
//     "apis": ["openai-chat-completions", "openai-completions", "openai-embeddings"],
//     "models": ["smollm2-135m-instruct"]            // or [{ "id": "…", "context_length": 2048 }]
//   }

export type CatalogModel = {
  name: string
  serviceId: string
  upstreamModel: string
  endpoints: EndpointName[]
  pricing: { promptPerMillion: number; completionPerMillion: number }
  contextLength: number | undefined
  /** The most choices (`n`, `best_of`) a request may ask for; unset: the schema's limit. */
  maxChoices?: number | undefined
  source: 'config' | 'card'
}

const apiEndpoints: Record<string, EndpointName> = {
  'openai-chat-completions': 'chat',
  'openai-completions': 'completions',
  'openai-embeddings': 'embeddings',
}

/** The models a service card declares (empty for cards without them, or without a card). */
export function readCardModels(service: Service): CatalogModel[] {
  const bytes = service.metadata?.card
  if (!bytes || bytes.length === 0) return []
  let card: unknown
  try {
    card = JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return []
  }
  if (typeof card !== 'object' || card === null) return []
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
      contextLength: typeof contextLength === 'number' ? contextLength : undefined,
      source: 'card',
    })
  }
  return out
}

export class ModelCatalog {
  readonly #configured: Map<string, CatalogModel>
  #discovered = new Map<string, CatalogModel>()

  constructor(models: readonly ModelConfig[]) {
    this.#configured = new Map(
      models.map((m) => [
        m.name,
        {
          name: m.name,
          serviceId: m.serviceId,
          upstreamModel: m.upstreamModel ?? m.name,
          endpoints: m.endpoints,
          pricing: m.pricing,
          contextLength: m.contextLength,
          maxChoices: m.maxChoices,
          source: 'config' as const,
        },
      ]),
    )
  }

  /** Replaces the card-declared models (config entries of the same name win). */
  updateFromServices(services: Iterable<Service>): void {
    const next = new Map<string, CatalogModel>()
    for (const service of services)
      for (const model of readCardModels(service))
        if (!next.has(model.name)) next.set(model.name, model)
    this.#discovered = next
  }

  resolve(name: string): CatalogModel | undefined {
    return this.#configured.get(name) ?? this.#discovered.get(name)
  }

  /** Every model, config first. */
  all(): CatalogModel[] {
    const out = [...this.#configured.values()]
    for (const m of this.#discovered.values()) if (!this.#configured.has(m.name)) out.push(m)
    return out
  }
}
