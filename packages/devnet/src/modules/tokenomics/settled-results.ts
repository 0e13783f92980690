// Executing a block's settled results: the proposer rewards, then the aggregated mints, transfers
// and burns.

import { create } from '@decai/protocol'
import {
  EventSettlementBatchSchema,
  EventValidatorRewardDistributionSchema,
} from '@decai/protocol/gen/pocket/tokenomics/event_pb'
import {
  type ClaimSettlementResult,
  ClaimSettlementResultSchema,
  type MintBurnOp,
  type ModToAcctTransfer,
  type ModToModTransfer,
  SettlementOpReason as Op,
} from '@decai/protocol/gen/pocket/tokenomics/types_pb'
import { tokenomicsErrors } from '../../app/chain-errors.js'
import { addressBytes, coinString, DENOM } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { formatDec } from '../../app/legacy-dec.js'
import {
  burnCoins,
  mintCoins,
  sendCoinsFromModuleToAccount,
  sendCoinsFromModuleToModule,
} from '../bank/keeper.js'
import { coinAmount } from '../params.js'
import type { SettlementContext } from './settlement-context.js'
import { modToAcct } from './settlement-ops.js'

/** `FlushBatchedValidatorRewards`: the block's proposer shares, paid to the single validator. */
export function flushValidatorRewards(
  ctx: Context,
  sctx: SettlementContext,
  sessionEndHeight: bigint,
): ClaimSettlementResult | undefined {
  const validator = ctx.chain.validator
  const result = create(ClaimSettlementResultSchema)
  for (const reason of [...sctx.validatorRewards.keys()].sort((a, b) => a - b)) {
    const total = sctx.validatorRewards.get(reason)!
    if (total === 0n || validator.bondedTokens === 0n) continue
    const poolShare = total
    const rate = validator.commissionRate
    const commission =
      rate <= 0n ? 0n : rate >= 10n ** 18n ? poolShare : (poolShare * rate) / 10n ** 18n
    const remainder = poolShare - commission
    // A single self-delegated validator: the remainder is its own delegation reward.
    ctx.events.emitTyped(
      EventValidatorRewardDistributionSchema,
      create(EventValidatorRewardDistributionSchema, {
        sessionEndBlockHeight: sessionEndHeight,
        opReason: reason,
        validatorOperatorAddress: validator.operatorAddress,
        validatorAccountAddress: validator.accountAddress,
        commissionRate: formatDec(rate),
        poolShareUpokt: poolShare.toString(),
        commissionUpokt: commission.toString(),
        selfDelegationRewardUpokt: (remainder > 0n ? remainder : 0n).toString(),
        delegatorsRewardUpokt: '0',
        totalDelegatedStakeUpokt: remainder > 0n ? validator.bondedTokens.toString() : '0',
        numDelegators: 0,
      }),
    )
    modToAcct(result, reason, 'tokenomics', validator.accountAddress, poolShare)
  }
  return result.modToAcctTransfers.length > 0 ? result : undefined
}

type Aggregate = {
  key: string
  module: string
  recipient: string
  opReason: Op
  amount: bigint
  numClaims: number
}

function aggregate<T>(
  items: T[],
  keyOf: (t: T) => [string, string, Op],
  amountOf: (t: T) => bigint,
): Aggregate[] {
  const map = new Map<string, Aggregate>()
  for (const item of items) {
    const [module, recipient, opReason] = keyOf(item)
    if (opReason === Op.UNSPECIFIED) {
      throw tokenomicsErrors.settlementInternal.wrap(
        'settlement operation has UNSPECIFIED reason; this indicates a TLM bug',
      )
    }
    const key = recipient === '' ? `${module}|${opReason}` : `${module}|${recipient}|${opReason}`
    const existing = map.get(key)
    if (existing) {
      existing.amount += amountOf(item)
      existing.numClaims++
    } else map.set(key, { key, module, recipient, opReason, amount: amountOf(item), numClaims: 1 })
  }
  return [...map.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/** `ExecutePendingSettledResults`: aggregated mints, module and account transfers, burns. */
export function executeSettledResults(ctx: Context, results: ClaimSettlementResult[]): void {
  const sessionEndHeight = results[0]?.claim?.sessionHeader?.sessionEndBlockHeight ?? 0n
  const mints = aggregate(
    results.flatMap((r) => r.mints),
    (m: MintBurnOp) => [m.DestinationModule, '', m.opReason],
    (m) => coinAmount(m.coin),
  )
  const burns = aggregate(
    results.flatMap((r) => r.burns),
    (m: MintBurnOp) => [m.DestinationModule, '', m.opReason],
    (m) => coinAmount(m.coin),
  )
  const toModules = aggregate(
    results.flatMap((r) => r.modToModTransfers),
    (t: ModToModTransfer) => [t.SenderModule, t.RecipientModule, t.opReason],
    (t) => coinAmount(t.coin),
  )
  const toAccounts = aggregate(
    results.flatMap((r) => r.modToAcctTransfers),
    (t: ModToAcctTransfer) => [t.SenderModule, t.RecipientAddress, t.opReason],
    (t) => coinAmount(t.coin),
  )
  const emit = (op: Aggregate, opType: string) =>
    ctx.events.emitTyped(
      EventSettlementBatchSchema,
      create(EventSettlementBatchSchema, {
        sessionEndBlockHeight: sessionEndHeight,
        senderModule: op.module,
        recipient: op.recipient,
        opReason: op.opReason,
        totalAmount: coinString({ denom: DENOM, amount: op.amount }),
        numClaims: op.numClaims,
        opType,
      }),
    )
  const coins = (amount: bigint) => [{ denom: DENOM, amount }]
  for (const op of mints) {
    if (op.amount === 0n) continue
    mintCoins(ctx, op.module, coins(op.amount))
    emit(op, 'mint')
  }
  for (const op of toModules) {
    if (op.amount === 0n) continue
    sendCoinsFromModuleToModule(ctx, op.module, op.recipient, coins(op.amount))
    emit(op, 'mod_to_mod')
  }
  for (const op of toAccounts) {
    if (op.amount === 0n) continue
    sendCoinsFromModuleToAccount(ctx, op.module, addressBytes(op.recipient), coins(op.amount))
    emit(op, 'mod_to_acct')
  }
  for (const op of burns) {
    if (op.amount === 0n) continue
    burnCoins(ctx, op.module, coins(op.amount))
    emit(op, 'burn')
  }
}
