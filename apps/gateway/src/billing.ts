import type { Usage } from '@decai/app-kit/openai'
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

/** The USD cost of a charge at the model's prices (per million tokens). */
export function getChargeCost(
  charge: Charge,
  pricing: { promptPerMillion: number; completionPerMillion: number },
): number {
  return (
    (charge.promptTokens * pricing.promptPerMillion +
      charge.completionTokens * pricing.completionPerMillion) /
    1e6
  )
}
