// x/proof keeper: claims and proofs, each under its primary key with a supplier and a
// session-end-height index.

import type {
  PageRequest,
  PageResponse,
} from '@decai/protocol/gen/cosmos/base/query/v1beta1/pagination_pb'
import {
  type Claim,
  ClaimSchema,
  type Proof,
  ProofSchema,
} from '@decai/protocol/gen/pocket/proof/types_pb'
import { decode, encode } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { paginate } from '../../app/pagination.js'
import { be64, bytesToKey, keyToBytes, textKey } from '../../store/keys.js'
import { prefixEntries } from '../../store/kv-store.js'

const CLAIM_PRIMARY = 'Claim/primary_key/'

const CLAIM_BY_SUPPLIER = 'Claim/address/'

const CLAIM_BY_HEIGHT = 'Claim/height/'

const PROOF_PRIMARY = 'Proof/primary_key/'

const PROOF_BY_SUPPLIER = 'Proof/address/'

const PROOF_BY_HEIGHT = 'Proof/height/'

const primaryKey = (sessionId: string, supplier: string) =>
  `${textKey(sessionId)}/${textKey(supplier)}`

type Record = Claim | Proof

type Layout = { primary: string; bySupplier: string; byHeight: string }

const claimLayout: Layout = {
  primary: CLAIM_PRIMARY,
  bySupplier: CLAIM_BY_SUPPLIER,
  byHeight: CLAIM_BY_HEIGHT,
}

const proofLayout: Layout = {
  primary: PROOF_PRIMARY,
  bySupplier: PROOF_BY_SUPPLIER,
  byHeight: PROOF_BY_HEIGHT,
}

function upsert(ctx: Context, layout: Layout, record: Record, bytes: Uint8Array): void {
  const store = ctx.store('proof')
  const header = record.sessionHeader
  const key = primaryKey(header?.sessionId ?? '', record.supplierOperatorAddress)
  store.set(layout.primary + key, bytes)
  store.set(
    `${layout.bySupplier}${textKey(record.supplierOperatorAddress)}/${key}`,
    keyToBytes(key),
  )
  store.set(
    `${layout.byHeight}${be64(header?.sessionEndBlockHeight ?? 0n)}/${key}`,
    keyToBytes(key),
  )
}

function remove(ctx: Context, layout: Layout, record: Record): void {
  const store = ctx.store('proof')
  const header = record.sessionHeader
  const key = primaryKey(header?.sessionId ?? '', record.supplierOperatorAddress)
  store.delete(layout.primary + key)
  store.delete(`${layout.bySupplier}${textKey(record.supplierOperatorAddress)}/${key}`)
  store.delete(`${layout.byHeight}${be64(header?.sessionEndBlockHeight ?? 0n)}/${key}`)
}

export function upsertClaim(ctx: Context, claim: Claim): void {
  upsert(ctx, claimLayout, claim, encode(ClaimSchema, claim))
}

export function getClaim(ctx: Context, sessionId: string, supplier: string): Claim | undefined {
  const raw = ctx.store('proof').get(CLAIM_PRIMARY + primaryKey(sessionId, supplier))
  return raw ? decode(ClaimSchema, raw) : undefined
}

export function removeClaim(ctx: Context, sessionId: string, supplier: string): void {
  const claim = getClaim(ctx, sessionId, supplier)
  if (claim) remove(ctx, claimLayout, claim)
}

export function upsertProof(ctx: Context, proof: Proof): void {
  upsert(ctx, proofLayout, proof, encode(ProofSchema, proof))
}

export function getProof(ctx: Context, sessionId: string, supplier: string): Proof | undefined {
  const raw = ctx.store('proof').get(PROOF_PRIMARY + primaryKey(sessionId, supplier))
  return raw ? decode(ProofSchema, raw) : undefined
}

export function removeProof(ctx: Context, sessionId: string, supplier: string): void {
  const proof = getProof(ctx, sessionId, supplier)
  if (proof) remove(ctx, proofLayout, proof)
}

/** Claims (or proofs) selected by one of the query filters, in the chain's index order. */
export function listRecords(
  ctx: Context,
  kind: 'claim' | 'proof',
  filter: { supplier?: string; sessionId?: string; sessionEndHeight?: bigint } = {},
): Uint8Array[] {
  const layout = kind === 'claim' ? claimLayout : proofLayout
  const store = ctx.store('proof')
  let indexPrefix: string | undefined
  let primaryPrefix = layout.primary
  if (filter.supplier !== undefined)
    indexPrefix = `${layout.bySupplier}${textKey(filter.supplier)}/`
  else if (filter.sessionEndHeight !== undefined)
    indexPrefix = `${layout.byHeight}${be64(filter.sessionEndHeight)}`
  else if (filter.sessionId !== undefined) primaryPrefix += textKey(filter.sessionId)
  if (indexPrefix === undefined) return prefixEntries(store, primaryPrefix).map(([, v]) => v)
  const out: Uint8Array[] = []
  for (const [, key] of prefixEntries(store, indexPrefix)) {
    const raw = store.get(layout.primary + bytesToKey(key))
    if (raw) out.push(raw)
  }
  return out
}

/**
 * A page of claims (or proofs) as the list queries walk them: one of the store's prefixes,
 * chosen by the filter, paginated as `query.Paginate` does. An index entry whose record is gone
 * still takes its place in the page, as upstream. The proofs' height filter is given as
 * upstream builds it, decimal text, and so matches none of the binary height keys.
 */
export function pageRecords(
  ctx: Context,
  kind: 'claim' | 'proof',
  filter: { supplier?: string; sessionId?: string; sessionEndHeight?: bigint | string },
  page: PageRequest | undefined,
): { records: Uint8Array[]; pagination: PageResponse } {
  const layout = kind === 'claim' ? claimLayout : proofLayout
  const store = ctx.store('proof')
  let prefix = layout.primary
  let indexed = false
  if (filter.supplier !== undefined) {
    prefix = layout.bySupplier + textKey(filter.supplier)
    indexed = true
  } else if (filter.sessionEndHeight !== undefined) {
    const height = filter.sessionEndHeight
    prefix = layout.byHeight + (typeof height === 'string' ? textKey(height) : be64(height))
    indexed = true
  } else if (filter.sessionId !== undefined) prefix += textKey(filter.sessionId)
  const records: Uint8Array[] = []
  const pagination = paginate(store, prefix, page, (_, value) => {
    const raw = indexed ? store.get(layout.primary + bytesToKey(value)) : value
    if (raw) records.push(raw)
  })
  return { records, pagination }
}

/** Claims whose session ended at `height` (`GetSessionEndHeightClaimsIterator`). */
export function getClaimsBySessionEndHeight(ctx: Context, height: bigint): Claim[] {
  return listRecords(ctx, 'claim', { sessionEndHeight: height }).map((b) => decode(ClaimSchema, b))
}
