// Replays the Go reference's vectors: poktroll's own token logic modules on random settlements,
// and cosmos-sdk signed transactions (valid and invalid) through the devnet's decoder and
// SIGN_MODE_DIRECT verification.

import { readFileSync } from 'node:fs'
import { create, unmarshal } from '@decai/protocol'
import { PubKeySchema } from '@decai/protocol/gen/cosmos/crypto/secp256k1/keys_pb'
import { ApplicationSchema } from '@decai/protocol/gen/pocket/application/types_pb'
import { ClaimSchema } from '@decai/protocol/gen/pocket/proof/types_pb'
import { SessionHeaderSchema } from '@decai/protocol/gen/pocket/session/types_pb'
import { ServiceSchema } from '@decai/protocol/gen/pocket/shared/service_pb'
import { SupplierSchema } from '@decai/protocol/gen/pocket/shared/supplier_pb'
import {
  MintAllocationPercentagesSchema,
  MintEqualsBurnClaimDistributionSchema,
  ParamsSchema as TokenomicsParamsSchema,
} from '@decai/protocol/gen/pocket/tokenomics/params_pb'
import {
  ClaimSettlementResultSchema,
  type SettlementOpReason,
} from '@decai/protocol/gen/pocket/tokenomics/types_pb'
import { describe, expect, it } from 'vitest'
import { verifyDirectSignature } from '../src/app/ante.js'
import { coin, hexLower, hexToBytes } from '../src/app/codec.js'
import { EventManager } from '../src/app/events.js'
import { floatToRat } from '../src/app/rational.js'
import { decodeTx } from '../src/app/tx.js'
import { runTokenLogicModules } from '../src/modules/tokenomics/token-logic-modules.js'

type Shares = {
  dao: number
  proposer: number
  supplier: number
  sourceOwner: number
  application: number
}
type Op = { reason: number; from: string; to: string; amount: string }
type TlmCase = {
  settlement: string
  appStake: string
  mintRatio: number
  globalInflationPerClaim: number
  mintEqualsBurn: Shares
  mintAllocation: Shares
  daoRewardAddress: string
  serviceId: string
  serviceOwner: string
  appAddress: string
  supplierOwner: string
  supplierOperator: string
  revShare: { address: string; percentage: number }[]
  sessionId: string
  sessionEndHeight: string
  error: string
  mints: Op[]
  burns: Op[]
  modToMod: Op[]
  modToAcct: Op[]
  validatorRewards: Op[]
  appStakeAfter: string
  events: string[]
}
type SignedTxCase = {
  tx: string
  chainId: string
  accountNumber: string
  sequence: string
  pubKey: string
  address: string
  valid: boolean
  why: string
}

function loadVectors<T>(name: string): T[] {
  const url = new URL(`./vectors/${name}.json`, import.meta.url)
  return (JSON.parse(readFileSync(url, 'utf8')) as { vectors: T[] }).vectors
}

function replayTlm(c: TlmCase) {
  const params = create(TokenomicsParamsSchema, {
    mintAllocationPercentages: create(MintAllocationPercentagesSchema, c.mintAllocation),
    mintEqualsBurnClaimDistribution: create(
      MintEqualsBurnClaimDistributionSchema,
      c.mintEqualsBurn,
    ),
    daoRewardAddress: c.daoRewardAddress,
    globalInflationPerClaim: c.globalInflationPerClaim,
    mintRatio: c.mintRatio,
  })
  const header = create(SessionHeaderSchema, {
    applicationAddress: c.appAddress,
    serviceId: c.serviceId,
    sessionId: c.sessionId,
    sessionStartBlockHeight: 1n,
    sessionEndBlockHeight: BigInt(c.sessionEndHeight),
  })
  const result = create(ClaimSettlementResultSchema, {
    claim: create(ClaimSchema, {
      supplierOperatorAddress: c.supplierOperator,
      sessionHeader: header,
    }),
  })
  const application = create(ApplicationSchema, {
    address: c.appAddress,
    stake: coin(BigInt(c.appStake)),
  })
  const supplier = create(SupplierSchema, {
    ownerAddress: c.supplierOwner,
    operatorAddress: c.supplierOperator,
    services: [
      {
        serviceId: c.serviceId,
        revShare: c.revShare.map((r) => ({
          address: r.address,
          revSharePercentage: BigInt(r.percentage),
        })),
      },
    ],
  })
  const events = new EventManager()
  const validatorRewards = new Map<SettlementOpReason, bigint>()
  let error = ''
  try {
    runTokenLogicModules({
      params,
      gi: floatToRat(c.globalInflationPerClaim),
      validatorRewards,
      events,
      settlement: BigInt(c.settlement),
      result,
      service: create(ServiceSchema, { id: c.serviceId, ownerAddress: c.serviceOwner }),
      application,
      supplier,
    })
  } catch (e) {
    error = e instanceof Error ? e.message : String(e)
  }
  const op = (reason: number, from: string, to: string, amount: string | undefined): Op => ({
    reason,
    from,
    to,
    amount: amount ?? '0',
  })
  return {
    error,
    mints: result.mints.map((m) => op(m.opReason, '', m.DestinationModule, m.coin?.amount)),
    burns: result.burns.map((m) => op(m.opReason, '', m.DestinationModule, m.coin?.amount)),
    modToMod: result.modToModTransfers.map((t) =>
      op(t.opReason, t.SenderModule, t.RecipientModule, t.coin?.amount),
    ),
    modToAcct: result.modToAcctTransfers.map((t) =>
      op(t.opReason, t.SenderModule, t.RecipientAddress, t.coin?.amount),
    ),
    validatorRewards: [...validatorRewards.entries()]
      .sort(([a], [b]) => a - b)
      .map(([reason, amount]) => op(reason, '', '', amount.toString())),
    appStakeAfter: application.stake?.amount ?? '0',
    events: events.events.map((e) => e.type),
  }
}

describe('token logic modules (poktroll vectors)', () => {
  const cases = loadVectors<TlmCase>('devnet-tlm')

  it('has both settled and failing cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200)
    expect(cases.some((c) => c.error !== '')).toBe(true)
  })

  it('queues the same operations, rewards, stake and events as poktroll', () => {
    for (const [i, c] of cases.entries()) {
      const got = replayTlm(c)
      const label = `case ${i}`
      if (c.error === '') expect(got.error, label).toBe('')
      // Upstream's wrapper adds the processing error's own text after the TLM's.
      else expect(got.error.startsWith(c.error), `${label}: ${got.error}`).toBe(true)
      expect(got.mints, label).toEqual(c.mints)
      expect(got.burns, label).toEqual(c.burns)
      expect(got.modToMod, label).toEqual(c.modToMod)
      expect(got.modToAcct, label).toEqual(c.modToAcct)
      expect(got.validatorRewards, label).toEqual(c.validatorRewards)
      expect(got.appStakeAfter, label).toBe(c.appStakeAfter)
      expect(got.events, label).toEqual(c.events)
    }
  })
})

describe('signed transactions (cosmos-sdk vectors)', () => {
  const cases = loadVectors<SignedTxCase>('devnet-signed-txs')

  it('decodes every transaction and agrees with Go on every signature', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40)
    for (const [i, c] of cases.entries()) {
      const tx = decodeTx(hexToBytes(c.tx))
      expect(tx.signers, `case ${i}`).toEqual([c.address])
      const info = tx.authInfo.signerInfos[0]
      expect(info?.sequence.toString(), `case ${i}`).toBe(c.sequence)
      const pubKey = unmarshal(PubKeySchema, info?.publicKey?.value ?? new Uint8Array()).key
      expect(hexLower(pubKey), `case ${i}`).toBe(c.pubKey.toLowerCase())
      const ok = verifyDirectSignature(tx, 0, c.chainId, BigInt(c.accountNumber), pubKey)
      expect(ok, `case ${i} (${c.why || 'valid'})`).toBe(c.valid)
    }
  })
})
