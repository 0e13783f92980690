import { readChoices, readMaxTokens } from '@decai/app-kit/openai'
import { getChargeCost } from './billing.js'
import type { EndpointName } from './config.js'
import type { CatalogModel } from './models.js'
import { estimatePromptTokens } from './prompt-tokens.js'

// What a request may cost at most, reserved against its key's budget before it is relayed and
// released when it is settled at its real cost: the prompt (the gateway's estimate) and every
// completion token it may ask for, times the choices. Requests in flight thus count against
// the budget, and concurrent requests overspend it by at most one such reservation (the one
// admitted last, while some budget was left). The estimate may count a prompt short (code,
// by about a quarter), so a reservation is a bound on the completion, not an exact one.

/** The worst-case USD cost of a request, for its budget reservation. */
export function getWorstCaseCost(
  model: Pick<CatalogModel, 'pricing' | 'contextLength'>,
  endpoint: EndpointName,
  request: Record<string, unknown>,
  reserveCompletionTokens: number,
): number {
  const promptTokens = estimatePromptTokens(endpoint, request)
  let completionTokens = 0
  if (endpoint !== 'embeddings') {
    const perChoice = readMaxTokens(request) ?? model.contextLength ?? reserveCompletionTokens
    completionTokens = perChoice * readChoices(request)
  }
  return getChargeCost({ promptTokens, completionTokens, promptSource: 'estimate' }, model.pricing)
}
