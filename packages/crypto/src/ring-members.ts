// Which keys make up an application's ring, as poktroll's pkg/crypto/rings computes it.

import { ripemd160 } from '@noble/hashes/legacy.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { pubkeyToAddress } from './address.js'
import { bigIntTo32Bytes, bytesToBigInt, bytesToHex, isBytes } from './bytes.js'
import { CryptoError } from './errors.js'
import { N } from './field.js'
import { getPublicKey } from './keys.js'

/** The secret cosmos' `GenPrivKeyFromSecret` turns into poktroll's placeholder ring key. */
export const PLACEHOLDER_RING_SECRET = 'placeholder_ring_key_for_apps_without_gateways'

/** poktroll's placeholder ring key. Its private key is public knowledge: it only pads rings. */
export type PlaceholderRingKey = {
  readonly privateKey: Uint8Array
  /** 33-byte compressed public key. */
  readonly publicKey: Uint8Array
  /**
   * The string poktroll puts in the ring's address list: the CometBFT address in upper-case hex
   * (not bech32), so it sorts before every `pokt1…` address.
   */
  readonly ringAddress: string
  /** The same address in bech32, for display. */
  readonly address: string
}

let placeholder: PlaceholderRingKey | undefined

/**
 * Derives poktroll's placeholder ring key (`rings.PlaceholderRingPubKey`), used as the second ring
 * member of applications without gateways: cosmos `GenPrivKeyFromSecret`, i.e. the private key
 * (SHA-256(secret) mod (n − 1)) + 1.
 */
export function getPlaceholderRingKey(): PlaceholderRingKey {
  if (placeholder === undefined) {
    const digest = bytesToBigInt(sha256(new TextEncoder().encode(PLACEHOLDER_RING_SECRET)))
    const privateKey = bigIntTo32Bytes((digest % (N - 1n)) + 1n)
    const publicKey = getPublicKey(privateKey)
    placeholder = Object.freeze({
      privateKey,
      publicKey,
      ringAddress: bytesToHex(ripemd160(sha256(publicKey))).toUpperCase(),
      address: pubkeyToAddress(publicKey),
    })
  }
  return {
    ...placeholder,
    privateKey: placeholder.privateKey.slice(),
    publicKey: placeholder.publicKey.slice(),
  }
}

export type RingAddressParameters = {
  /** The application's address. */
  appAddress: string
  /** The application's current `delegatee_gateway_addresses`, in on-chain order. */
  delegateeGatewayAddresses: readonly string[]
  /**
   * The application's `pending_undelegations`: undelegation session end height → gateway
   * addresses. A map keyed by bigint, or a record keyed by the decimal height (proto3 JSON form).
   */
  pendingUndelegations?:
    | ReadonlyMap<bigint, readonly string[]>
    | Readonly<Record<string, readonly string[] | { readonly gatewayAddresses: readonly string[] }>>
  /** The relay's session end height (`session_header.session_end_block_height`). */
  sessionEndHeight: bigint
}

const utf8 = new TextEncoder()

// Go's slices.Sort on strings compares bytes, i.e. UTF-8 code units.
function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0
  const x = utf8.encode(a)
  const y = utf8.encode(b)
  const n = Math.min(x.length, y.length)
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!
  return x.length - y.length
}

function pendingEntries(
  pending: RingAddressParameters['pendingUndelegations'],
): [bigint, readonly string[]][] {
  if (pending === undefined) return []
  if (pending instanceof Map) return [...pending.entries()]
  return Object.entries(pending as Record<string, unknown>).map(([height, value]) => {
    if (!/^\d+$/.test(height)) {
      throw new CryptoError(
        'INVALID_INPUT',
        'Pending undelegation heights must be decimal integers.',
        {
          details: height,
        },
      )
    }
    const list = Array.isArray(value)
      ? value
      : (value as { gatewayAddresses?: unknown })?.gatewayAddresses
    if (!Array.isArray(list)) {
      throw new CryptoError('INVALID_INPUT', 'Pending undelegations must list gateway addresses.')
    }
    return [BigInt(height), list as string[]]
  })
}

/**
 * The addresses of an application's ring at a session end height, sorted, exactly as poktroll
 * builds them (`GetRingAddressesAtSessionEndHeight` and `getRingPubKeysForAddress`):
 * the application, its delegated gateways, and every gateway whose pending undelegation height is
 * at or after the session end (each once); when there are no gateways, the placeholder ring
 * address instead; then a plain byte-wise string sort. Duplicates are kept as poktroll keeps them
 * (a re-delegated gateway that is also pending appears twice).
 */
export function getRingAddresses(parameters: RingAddressParameters): string[] {
  if (typeof parameters !== 'object' || parameters === null) {
    throw new CryptoError('INVALID_INPUT', 'Expected the ring parameters as an object.')
  }
  const { appAddress, delegateeGatewayAddresses, pendingUndelegations, sessionEndHeight } =
    parameters
  if (typeof appAddress !== 'string' || !Array.isArray(delegateeGatewayAddresses)) {
    throw new CryptoError(
      'INVALID_INPUT',
      'Expected an app address and a list of gateway addresses.',
    )
  }
  if (typeof sessionEndHeight !== 'bigint' || sessionEndHeight < 0n) {
    throw new CryptoError(
      'INVALID_INPUT',
      'Expected the session end height as a non-negative bigint.',
    )
  }
  const gateways = [...delegateeGatewayAddresses]
  const added = new Set<string>()
  for (const [height, list] of pendingEntries(pendingUndelegations)) {
    if (height < sessionEndHeight) continue
    for (const gateway of list) {
      if (added.has(gateway)) continue
      gateways.push(gateway)
      added.add(gateway)
    }
  }
  const addresses = [appAddress, ...gateways]
  if (gateways.length === 0) addresses.push(getPlaceholderRingKey().ringAddress)
  return addresses.sort(compareGoStrings)
}

/**
 * Maps ring addresses to public keys, the placeholder address to the placeholder key and every
 * other address through `lookup` (for example an auth-account query). Keys are returned in ring
 * order, ready for `ringSign` or `verifyRingMembership`.
 */
export async function resolveRingPublicKeys(
  addresses: readonly string[],
  lookup: (address: string) => Uint8Array | Promise<Uint8Array>,
): Promise<Uint8Array[]> {
  const placeholderKey = getPlaceholderRingKey()
  return Promise.all(
    addresses.map(async (address) => {
      if (address === placeholderKey.ringAddress) return placeholderKey.publicKey
      const key = await lookup(address)
      if (!isBytes(key)) {
        throw new CryptoError('INVALID_PUBLIC_KEY', 'Lookup returned no public key.', {
          details: address,
        })
      }
      return key
    }),
  )
}
