// x/proof keeper: claims and proofs, each under its primary key with a supplier and a
// session-end-height index.

import {
  type Claim,
  ClaimSchema,
  type Proof,
  ProofSchema,
} from '@decai/protocol/gen/pocket/proof/types_pb'
import { decode, encode } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
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

/** Claims whose session ended at `height` (`GetSessionEndHeightClaimsIterator`). */
export function getClaimsBySessionEndHeight(ctx: Context, height: bigint): Claim[] {
  return listRecords(ctx, 'claim', { sessionEndHeight: height }).map((b) => decode(ClaimSchema, b))
}
