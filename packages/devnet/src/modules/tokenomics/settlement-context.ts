// The per-block caches of claim settlement (poktroll's settlementContext).

import type { Application } from '@decai/protocol/gen/pocket/application/types_pb'
import type { Claim } from '@decai/protocol/gen/pocket/proof/types_pb'
import type { RelayMiningDifficulty } from '@decai/protocol/gen/pocket/service/relay_mining_difficulty_pb'
import type { Service } from '@decai/protocol/gen/pocket/shared/service_pb'
import type { Supplier } from '@decai/protocol/gen/pocket/shared/supplier_pb'
import type { SettlementOpReason as Op } from '@decai/protocol/gen/pocket/tokenomics/types_pb'
import { getNumPendingSessions } from '@decai/session'
import { tokenomicsErrors } from '../../app/chain-errors.js'
import { minBigint } from '../../app/codec.js'
import type { Context } from '../../app/context.js'
import { floatToRat, mulCeil, type Rat } from '../../app/rational.js'
import { getApplication } from '../application/keeper.js'
import { coinAmount, getParams } from '../params.js'
import {
  getComputeUnitsPerRelayAtHeight,
  getDifficultyAtHeight,
  getService,
} from '../service/keeper.js'
import { sessionParams } from '../shared/keeper.js'
import { getDehydratedSupplier, getSupplierActiveServiceConfig } from '../supplier/keeper.js'
import type { TokenomicsParams } from './params.js'

export type Budget = {
  floor: bigint
  unused: bigint
  totalExcess: bigint
  spendLimitExceeded: boolean
}

/** The per-block caches of `settlementContext`, shared by every claim settled in the block. */
export class SettlementContext {
  readonly applications = new Map<string, Application>()
  readonly initialStakes = new Map<string, bigint>()
  readonly suppliers = new Map<string, Supplier>()
  readonly services = new Map<string, Service>()
  readonly difficulties = new Map<string, RelayMiningDifficulty>()
  readonly cuprs = new Map<string, bigint>()
  readonly supplierCounts = new Map<string, bigint>()
  readonly budgets = new Map<string, Budget>()
  readonly validatorRewards = new Map<Op, bigint>()
  readonly tokenomics: TokenomicsParams
  readonly gi: Rat

  constructor(readonly ctx: Context) {
    this.tokenomics = getParams(ctx, 'tokenomics')
    this.gi = floatToRat(this.tokenomics.globalInflationPerClaim)
  }

  /** `ClaimCacheWarmUp`: service, difficulty and cupr at session start, application, supplier. */
  warmUp(claim: Claim): void {
    const header = claim.sessionHeader
    if (!header)
      throw tokenomicsErrors.claimRootHashInvalid.wrap("provided claim's session header is nil")
    const key = `${header.serviceId}@${header.sessionStartBlockHeight}`
    if (!this.difficulties.has(key)) {
      if (!this.services.has(header.serviceId)) {
        const service = getService(this.ctx, header.serviceId)
        if (!service) {
          throw tokenomicsErrors.serviceNotFound.wrap(
            `service with ID "${header.serviceId}" not found`,
          )
        }
        this.services.set(header.serviceId, service)
      }
      const cupr = getComputeUnitsPerRelayAtHeight(
        this.ctx,
        header.serviceId,
        header.sessionStartBlockHeight,
      )
      if (!cupr) {
        throw tokenomicsErrors.serviceNotFound.wrap(
          `compute units per relay for service with ID "${header.serviceId}" not found`,
        )
      }
      this.difficulties.set(
        key,
        getDifficultyAtHeight(this.ctx, header.serviceId, header.sessionStartBlockHeight),
      )
      this.cuprs.set(key, cupr)
    }
    if (!this.applications.has(header.applicationAddress)) {
      const app = getApplication(this.ctx, header.applicationAddress)
      if (!app) throw tokenomicsErrors.applicationNotFound.error()
      this.applications.set(app.address, app)
      this.initialStakes.set(app.address, coinAmount(app.stake))
    }
    const operator = claim.supplierOperatorAddress
    const cached = this.suppliers.get(operator)
    if (cached) {
      if (!cached.services.some((s) => s.serviceId === header.serviceId)) {
        cached.services.push(
          ...getSupplierActiveServiceConfig(this.ctx, operator, header.serviceId),
        )
      }
      return
    }
    const supplier = getDehydratedSupplier(this.ctx, operator)
    if (!supplier) throw tokenomicsErrors.supplierNotFound.error()
    supplier.services = getSupplierActiveServiceConfig(this.ctx, operator, header.serviceId)
    this.suppliers.set(operator, supplier)
  }

  difficulty(claim: Claim): RelayMiningDifficulty {
    const h = claim.sessionHeader!
    return this.difficulties.get(`${h.serviceId}@${h.sessionStartBlockHeight}`)!
  }

  cupr(claim: Claim): bigint {
    const h = claim.sessionHeader!
    return this.cuprs.get(`${h.serviceId}@${h.sessionStartBlockHeight}`)!
  }

  /** `getOrInitSessionBudget`: floor = stake / pending sessions / claiming suppliers. */
  budget(app: string, sessionId: string): Budget {
    const key = `${app}|${sessionId}`
    const existing = this.budgets.get(key)
    if (existing) return existing
    const stake = this.initialStakes.get(app)
    const application = this.applications.get(app)
    if (stake === undefined || !application) throw tokenomicsErrors.applicationNotFound.error()
    const numSuppliers = this.supplierCounts.get(key) || 1n
    const pending = getNumPendingSessions(sessionParams(this.ctx))
    let floor = stake / pending / numSuppliers
    let spendLimitExceeded = false
    const limit = coinAmount(application.perSessionSpendLimit)
    if (limit > 0n) {
      const perSession = minBigint(limit, stake / pending)
      const limitFloor = perSession / numSuppliers
      if (limitFloor < floor) {
        floor = limitFloor
        spendLimitExceeded = true
      }
    }
    const budget = { floor, unused: 0n, totalExcess: 0n, spendLimitExceeded }
    this.budgets.set(key, budget)
    return budget
  }

  /** `claimStakeTermsAmount`: a claim plus its global-inflation reimbursement. */
  stakeTerms(amount: bigint): bigint {
    return amount + mulCeil(amount, this.gi)
  }
}
