import { ProofRequirementReason } from '@decai/protocol'
import {
  type ClaimExpirationReason,
  type EventClaimExpired,
  EventClaimExpiredSchema,
  type EventClaimSettled,
  EventClaimSettledSchema,
} from '@decai/protocol/gen/pocket/tokenomics/event_pb'
import { SettlementOpReason } from '@decai/protocol/gen/pocket/tokenomics/types_pb'
import type { QueryContext } from './abci-query.js'
import { getBlockResults, getCommittedHeight } from './blocks.js'
import { ChainError } from './errors.js'
import { decodeEvent } from './events.js'

/** Who a settlement transfer pays, from its `SettlementOpReason`. */
export type RecipientRole =
  /** The supplier's rev-share holders (its owner, unless configured otherwise). */
  | 'supplier'
  /** The service owner (poktroll's "source owner"). */
  | 'sourceOwner'
  | 'dao'
  | 'application'
  /** A validator, from the block proposer's share. */
  | 'validator'
  /** A delegator of a validator, from the block proposer's share. */
  | 'delegator'
  | 'other'

/** Which token logic module a transfer comes from. */
export type TokenLogicModule = 'relayBurnEqualsMint' | 'globalMint' | 'other'

/** One module-to-account transfer of a settled claim. */
export type SettlementReward = {
  recipient: string
  role: RecipientRole
  tlm: TokenLogicModule
  opReason: SettlementOpReason
  amount: bigint
}

/** A settled or expired claim, as its tokenomics event reports it. */
export type ClaimSettlement = {
  status: 'settled' | 'expired'
  /** The block whose FinalizeBlock settled (or expired) the claim. */
  height: bigint
  serviceId: string
  applicationAddress: string
  supplierOperatorAddress: string
  /** Empty for expired claims (the event does not carry it). */
  supplierOwnerAddress: string
  /** Empty for expired claims. */
  sessionId: string
  sessionEndBlockHeight: bigint
  numRelays: bigint
  numClaimedComputeUnits: bigint
  numEstimatedComputeUnits: bigint
  numEstimatedRelays: bigint
  claimedUpokt: bigint
  /** After the application's budget cap; 0 for expired claims. */
  settledUpokt: bigint
  /** `floor(settled × mint_ratio)`, what relay-burn-equals-mint distributes; 0 for expired. */
  mintedUpokt: bigint
  /**
   * The block proposer's relay-burn-equals-mint share. Settlement pools it per block for the
   * validators (`EventValidatorRewardDistribution`), so the claim's event does not list it; it
   * is what is left of `mintedUpokt` after the listed relay-burn-equals-mint transfers.
   */
  proposerUpokt: bigint
  proofRequirement: ProofRequirementReason
  /** Set for expired claims. */
  expirationReason: ClaimExpirationReason | undefined
  /** Every module-to-account transfer, per recipient and reason, in the chain's order. */
  rewards: SettlementReward[]
}

const roleByReason: Partial<Record<SettlementOpReason, [RecipientRole, TokenLogicModule]>> = {
  [SettlementOpReason.TLM_RELAY_BURN_EQUALS_MINT_SUPPLIER_SHAREHOLDER_REWARD_DISTRIBUTION]: [
    'supplier',
    'relayBurnEqualsMint',
  ],
  [SettlementOpReason.TLM_RELAY_BURN_EQUALS_MINT_SOURCE_OWNER_REWARD_DISTRIBUTION]: [
    'sourceOwner',
    'relayBurnEqualsMint',
  ],
  [SettlementOpReason.TLM_RELAY_BURN_EQUALS_MINT_DAO_REWARD_DISTRIBUTION]: [
    'dao',
    'relayBurnEqualsMint',
  ],
  [SettlementOpReason.TLM_RELAY_BURN_EQUALS_MINT_APPLICATION_REWARD_DISTRIBUTION]: [
    'application',
    'relayBurnEqualsMint',
  ],
  [SettlementOpReason.TLM_RELAY_BURN_EQUALS_MINT_VALIDATOR_REWARD_DISTRIBUTION]: [
    'validator',
    'relayBurnEqualsMint',
  ],
  [SettlementOpReason.TLM_RELAY_BURN_EQUALS_MINT_DELEGATOR_REWARD_DISTRIBUTION]: [
    'delegator',
    'relayBurnEqualsMint',
  ],
  [SettlementOpReason.TLM_GLOBAL_MINT_SUPPLIER_SHAREHOLDER_REWARD_DISTRIBUTION]: [
    'supplier',
    'globalMint',
  ],
  [SettlementOpReason.TLM_GLOBAL_MINT_SOURCE_OWNER_REWARD_DISTRIBUTION]: [
    'sourceOwner',
    'globalMint',
  ],
  [SettlementOpReason.TLM_GLOBAL_MINT_DAO_REWARD_DISTRIBUTION]: ['dao', 'globalMint'],
  [SettlementOpReason.TLM_GLOBAL_MINT_APPLICATION_REWARD_DISTRIBUTION]: [
    'application',
    'globalMint',
  ],
  [SettlementOpReason.TLM_GLOBAL_MINT_VALIDATOR_REWARD_DISTRIBUTION]: ['validator', 'globalMint'],
  [SettlementOpReason.TLM_GLOBAL_MINT_DELEGATOR_REWARD_DISTRIBUTION]: ['delegator', 'globalMint'],
  [SettlementOpReason.TLM_GLOBAL_MINT_REIMBURSEMENT_REQUEST_ESCROW_DAO_TRANSFER]: [
    'dao',
    'globalMint',
  ],
}

/** The role and token logic module of a settlement operation reason. */
export function getSettlementRole(opReason: SettlementOpReason): {
  role: RecipientRole
  tlm: TokenLogicModule
} {
  const [role, tlm] = roleByReason[opReason] ?? ['other', 'other']
  return { role, tlm }
}

/**
 * The amount of a Cosmos coin string (`"1000upokt"`); an empty string is 0.
 *
 * @example parseCoinAmount('1000upokt') // { amount: 1000n, denom: 'upokt' }
 */
export function parseCoinAmount(coin: string): { amount: bigint; denom: string } {
  if (coin === '') return { amount: 0n, denom: '' }
  const match = /^(\d+)([a-zA-Z][a-zA-Z0-9/:._-]{1,127})?$/.exec(coin.trim())
  if (!match) throw new ChainError('DECODE_FAILED', `Invalid coin ${JSON.stringify(coin)}.`)
  return { amount: BigInt(match[1]!), denom: match[2] ?? '' }
}

/** Reads a settled claim's amounts per recipient from its `EventClaimSettled`. */
export function parseClaimSettled(event: EventClaimSettled, height: bigint): ClaimSettlement {
  const rewards = event.rewardDistributionDetailed.map((detail) => ({
    recipient: detail.recipientAddress,
    ...getSettlementRole(detail.opReason),
    opReason: detail.opReason,
    amount: parseCoinAmount(detail.amount).amount,
  }))
  const minted = parseCoinAmount(event.mintedUpokt).amount
  const listed = rewards
    .filter(
      (r) => r.tlm === 'relayBurnEqualsMint' && r.role !== 'validator' && r.role !== 'delegator',
    )
    .reduce((sum, r) => sum + r.amount, 0n)
  return {
    status: 'settled',
    height,
    serviceId: event.serviceId,
    applicationAddress: event.applicationAddress,
    supplierOperatorAddress: event.supplierOperatorAddress,
    supplierOwnerAddress: event.supplierOwnerAddress,
    sessionId: event.sessionId,
    sessionEndBlockHeight: event.sessionEndBlockHeight,
    numRelays: event.numRelays,
    numClaimedComputeUnits: event.numClaimedComputeUnits,
    numEstimatedComputeUnits: event.numEstimatedComputeUnits,
    numEstimatedRelays: event.numEstimatedRelays,
    claimedUpokt: parseCoinAmount(event.claimedUpokt).amount,
    settledUpokt: parseCoinAmount(event.settledUpokt).amount,
    mintedUpokt: minted,
    proposerUpokt: minted > listed ? minted - listed : 0n,
    proofRequirement: event.proofRequirementInt as ProofRequirementReason,
    expirationReason: undefined,
    rewards,
  }
}

/** Reads an expired claim from its `EventClaimExpired` (nothing is paid). */
export function parseClaimExpired(event: EventClaimExpired, height: bigint): ClaimSettlement {
  return {
    status: 'expired',
    height,
    serviceId: event.serviceId,
    applicationAddress: event.applicationAddress,
    supplierOperatorAddress: event.supplierOperatorAddress,
    supplierOwnerAddress: '',
    sessionId: '',
    sessionEndBlockHeight: event.sessionEndBlockHeight,
    numRelays: event.numRelays,
    numClaimedComputeUnits: event.numClaimedComputeUnits,
    numEstimatedComputeUnits: event.numEstimatedComputeUnits,
    numEstimatedRelays: event.numEstimatedRelays,
    claimedUpokt: parseCoinAmount(event.claimedUpokt).amount,
    settledUpokt: 0n,
    mintedUpokt: 0n,
    proposerUpokt: 0n,
    // An expired claim always required a proof; the event does not say why.
    proofRequirement: ProofRequirementReason.NOT_REQUIRED,
    expirationReason: event.expirationReason,
    rewards: [],
  }
}

export type GetClaimSettlementsParameters = {
  fromHeight: bigint
  /** The latest committed height by default. */
  toHeight?: bigint | undefined
  serviceId?: string | undefined
  /** Include expired claims (unpaid); true by default. */
  includeExpired?: boolean | undefined
  /** Blocks fetched at once; 4 by default. */
  concurrency?: number | undefined
}

/**
 * Every claim settled (and expired) in a range of blocks, with the amounts paid per recipient:
 * what the champion dashboard sums into revenue. Reads `block_results` of each height.
 *
 * @example
 * const settlements = await client.getClaimSettlements({ fromHeight: 1n, serviceId: 'llm' })
 * const owner = sumRewards(settlements, { role: 'sourceOwner' }).get(ownerAddress)
 */
export async function getClaimSettlements(
  ctx: QueryContext,
  parameters: GetClaimSettlementsParameters,
): Promise<ClaimSettlement[]> {
  const { fromHeight, serviceId, includeExpired = true, concurrency = 4 } = parameters
  // The application's committed height: its results are written (CometBFT reports a block, and
  // the block's results appear, a moment before that).
  const toHeight = parameters.toHeight ?? (await getCommittedHeight(ctx))
  if (fromHeight < 1n || toHeight < fromHeight) {
    throw new ChainError('INVALID_ARGUMENT', 'Invalid height range.', {
      details: `${fromHeight}..${toHeight}`,
    })
  }
  const heights: bigint[] = []
  for (let h = fromHeight; h <= toHeight; h++) heights.push(h)
  const perHeight: ClaimSettlement[][] = new Array(heights.length)
  let cursor = 0
  const worker = async () => {
    while (cursor < heights.length) {
      const i = cursor++
      const height = heights[i]!
      const results = await getBlockResults(ctx, { height })
      const found: ClaimSettlement[] = []
      for (const event of results.finalizeBlockEvents) {
        const settled = decodeEvent(event, EventClaimSettledSchema)
        if (settled) found.push(parseClaimSettled(settled, height))
        if (!includeExpired) continue
        const expired = decodeEvent(event, EventClaimExpiredSchema)
        if (expired) found.push(parseClaimExpired(expired, height))
      }
      perHeight[i] = found
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker))
  return perHeight.flat().filter((s) => serviceId === undefined || s.serviceId === serviceId)
}

/**
 * Total paid per recipient address across settlements, optionally for one role or one token
 * logic module.
 *
 * @example sumRewards(settlements, { role: 'sourceOwner' }) // Map { 'pokt1owner…' => 4200n }
 */
export function sumRewards(
  settlements: readonly ClaimSettlement[],
  filter: { role?: RecipientRole | undefined; tlm?: TokenLogicModule | undefined } = {},
): Map<string, bigint> {
  const totals = new Map<string, bigint>()
  for (const settlement of settlements) {
    for (const reward of settlement.rewards) {
      if (filter.role !== undefined && reward.role !== filter.role) continue
      if (filter.tlm !== undefined && reward.tlm !== filter.tlm) continue
      totals.set(reward.recipient, (totals.get(reward.recipient) ?? 0n) + reward.amount)
    }
  }
  return totals
}
