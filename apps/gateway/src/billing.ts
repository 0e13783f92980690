import type { Usage } from '@decai/app-kit/openai'
import { countQuanta, type TokenMetering } from '@decai/session'
import type { PricingConfig } from './config.js'
import { GatewayError } from './errors.js'
import type { PromptTokenCount } from './prompt-tokens.js'

// What a key is charged for one request: the tokens a supplier processed for the answer the
// key asked for, whether or not the key stayed to read it. The same numbers go to the key's
// tokens-per-minute window, its spend and its usage record (docs/gateway.md, "Billing").
//
// - answered: the supplier's `usage` (prompt and completion tokens);
// - the client left after the relay went out (before or during the answer): the prompt tokens
//   (from `usage` if it arrived, else counted at the gateway) and the completion tokens sent;
// - the stream broke after its first token (the supplier stopped): the same as a client that
//   left — the key got part of an answer;
// - a backend error passed through (a 4xx the request caused), or no supplier answered at
//   all (every attempt failed, or timed out): nothing;
// - retries and hedges: only the attempt that answered counts. A failed attempt, or a hedge
//   that lost the race, is the gateway's own cost (`decai_gateway_hedge_wasted_tokens_total`),
//   bounded by the hedge budget.

export type PromptTokenSource = 'usage' | PromptTokenCount['source'] | 'none'

export type Charge = {
  promptTokens: number
  completionTokens: number
  /** Where the prompt tokens come from. */
  promptSource: PromptTokenSource
}

export const NO_CHARGE: Charge = { promptTokens: 0, completionTokens: 0, promptSource: 'none' }

/**
 * The charge of a finished request. `served`: an answer (or part of one) reached the client,
 * or the client left while a relay was out; `localPrompt`: the gateway's own count.
 */
export function getCharge(p: {
  served: boolean
  usage: Usage | undefined
  contentChunks: number
  localPrompt: PromptTokenCount
}): Charge {
  if (!p.served) return NO_CHARGE
  const completionTokens = p.usage?.completionTokens ?? p.contentChunks
  if (p.usage?.promptTokens !== undefined)
    return { promptTokens: p.usage.promptTokens, completionTokens, promptSource: 'usage' }
  return {
    promptTokens: p.localPrompt.tokens,
    completionTokens,
    promptSource: p.localPrompt.source,
  }
}

/**
 * What a key pays for a model. A token-metered service adds `quantum`: the chain charges the
 * gateway one relay per `ceil((prompt × w_in + completion × w_out) / Q)`, so the key pays that
 * many quanta at `usd` each, and the per-million prices are what one token works out to.
 */
export type ModelPricing = {
  /** USD per million prompt tokens. */
  promptPerMillion: number
  /** USD per million completion tokens. */
  completionPerMillion: number
  quantum?: { usd: number; metering: TokenMetering } | undefined
}

const invalidPricing = (details: string) =>
  new GatewayError('INVALID_CONFIG', 'Invalid model pricing.', { details })

/**
 * A model's prices from its configured `pricing` and its service's token metering (config or
 * service card). With `perQuantum`, the per-token prices derive from the weights:
 * `perQuantum × (1 + margin) × w / Q` per token. With per-million prices on a metered service,
 * they must stand in the weights' ratio (prompt × w_out = completion × w_in), so the key pays in
 * proportion to what the chain charges; one quantum is then worth `Q / w` tokens' price.
 * Throws `INVALID_CONFIG` for prices that contradict the weights.
 */
export function resolveModelPricing(
  pricing: PricingConfig,
  metering: TokenMetering | undefined,
): ModelPricing {
  const { promptPerMillion, completionPerMillion, perQuantum, margin } = pricing
  const perMillionSet = promptPerMillion > 0 || completionPerMillion > 0
  if (metering === undefined) {
    if (perQuantum !== undefined || margin !== undefined)
      throw invalidPricing("perQuantum and margin need the service's tokenMetering")
    return { promptPerMillion, completionPerMillion }
  }
  const { quantum: q, inputWeight: wIn, outputWeight: wOut } = metering
  if (perQuantum !== undefined) {
    if (perMillionSet)
      throw invalidPricing(
        'give perQuantum or the per-million prices of a metered service, not both',
      )
    const usd = perQuantum * (1 + (margin ?? 0))
    return {
      promptPerMillion: (usd * wIn * 1e6) / q,
      completionPerMillion: (usd * wOut * 1e6) / q,
      quantum: { usd, metering },
    }
  }
  if (margin !== undefined) throw invalidPricing('margin applies to perQuantum only')
  // prompt / completion = w_in / w_out, compared cross-multiplied (a weight may be 0).
  const lhs = promptPerMillion * wOut
  const rhs = completionPerMillion * wIn
  if (Math.abs(lhs - rhs) > 1e-9 * Math.max(lhs, rhs))
    throw invalidPricing(
      `promptPerMillion ${promptPerMillion} : completionPerMillion ${completionPerMillion} is not the service's weights ${wIn} : ${wOut}`,
    )
  const usd =
    wOut > 0 ? (completionPerMillion * q) / (wOut * 1e6) : (promptPerMillion * q) / (wIn * 1e6 || 1)
  return { promptPerMillion, completionPerMillion, quantum: { usd, metering } }
}

/**
 * The USD cost of a charge at the model's prices: per token, or for a token-metered service
 * per quantum, exactly as many as the supplier mines for the answer (nothing for no charge).
 */
export function getChargeCost(charge: Charge, pricing: ModelPricing): number {
  if (pricing.quantum !== undefined) {
    if (charge.promptSource === 'none' && charge.promptTokens + charge.completionTokens === 0)
      return 0
    return countQuanta(charge, pricing.quantum.metering) * pricing.quantum.usd
  }
  return (
    (charge.promptTokens * pricing.promptPerMillion +
      charge.completionTokens * pricing.completionPerMillion) /
    1e6
  )
}
