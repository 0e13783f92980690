import type { Service } from '@decai/protocol'
import { SessionError } from './errors.js'
import { checkMetering, type TokenMetering } from './relay-quanta.js'

// A service's card (`Service.metadata.card`, schema `pocket-service-card/v1`) is where its owner
// declares, among other things, the token metering its suppliers mine by and its gateways price
// by (docs/tokenomics.md). One reader, so that the gateway, the supplier and the chain's record
// agree on what a card says:
//
//   "token_metering": { "quantum": 100, "input_weight": 1, "output_weight": 4 }
//
// Q is an integer ≥ 1, the weights integers ≥ 0; a weight left out is 1.

/** A service's card as JSON, or undefined without a card or with one that is not a JSON object. */
export function readServiceCard(service: Service): Record<string, unknown> | undefined {
  const bytes = service.metadata?.card
  if (!bytes || bytes.length === 0) return undefined
  try {
    const card: unknown = JSON.parse(new TextDecoder().decode(bytes))
    return typeof card === 'object' && card !== null && !Array.isArray(card)
      ? (card as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/**
 * The token metering a service's card declares (`token_metering`), or undefined when it has no
 * card or its card declares none. Throws `INVALID_PARAMS` for a declaration that is not Q ≥ 1
 * and integer weights ≥ 0: a service that means to meter tokens and says it wrongly.
 *
 * @example
 * const metering = readServiceCardMetering(await client.getService({ id: 'llm' }))
 * // { quantum: 100, inputWeight: 1, outputWeight: 4 }, or undefined: one relay per request
 */
export function readServiceCardMetering(service: Service): TokenMetering | undefined {
  const declared = readServiceCard(service)?.['token_metering']
  if (declared === undefined) return undefined
  if (typeof declared !== 'object' || declared === null || Array.isArray(declared))
    throw new SessionError('INVALID_PARAMS', 'Invalid token metering in the service card.', {
      details: `service ${service.id}: token_metering must be an object`,
    })
  const { quantum, input_weight = 1, output_weight = 1 } = declared as Record<string, unknown>
  const metering = {
    quantum: quantum as number,
    inputWeight: input_weight as number,
    outputWeight: output_weight as number,
  }
  if (
    typeof quantum !== 'number' ||
    typeof input_weight !== 'number' ||
    typeof output_weight !== 'number'
  )
    throw new SessionError('INVALID_PARAMS', 'Invalid token metering in the service card.', {
      details: `service ${service.id}: quantum, input_weight and output_weight must be numbers`,
    })
  checkMetering(metering)
  return metering
}

/** Whether two meterings are the same (both undefined: both per request). */
export function isSameMetering(
  a: TokenMetering | undefined,
  b: TokenMetering | undefined,
): boolean {
  return (
    a?.quantum === b?.quantum &&
    a?.inputWeight === b?.inputWeight &&
    a?.outputWeight === b?.outputWeight
  )
}
