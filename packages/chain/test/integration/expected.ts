// The settlement arithmetic of poktroll v0.1.35 (x/tokenomics token logic modules), written out
// here independently of the devnet so the suite checks the chain's amounts against the formulas.
import { SettlementOpReason } from '../../src/index.js'

const MAX_TARGET = (1n << 256n) - 1n

type Rational = { n: bigint; d: bigint }

/**
 * A float64 param as the chain reads it: the exact rational of its shortest decimal string
 * (Go `FormatFloat(f, 'f', -1, 64)`), not of its binary value.
 */
export function floatToRational(value: number): Rational {
  let text = String(value)
  const exponent = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text)
  if (exponent) {
    const [, sign, whole, fraction = '', exp] = exponent
    const digits = whole! + fraction
    const point = whole!.length + Number(exp)
    text =
      point <= 0
        ? `${sign}0.${'0'.repeat(-point)}${digits}`
        : `${sign}${digits.padEnd(point, '0').slice(0, point)}.${digits.slice(point)}`
  }
  const [whole, fraction = ''] = text.split('.')
  return { n: BigInt(whole! + fraction), d: 10n ** BigInt(fraction.length) }
}

const floorMul = (amount: bigint, r: Rational) => (amount * r.n) / r.d
const ceilMul = (amount: bigint, r: Rational) => (amount * r.n + r.d - 1n) / r.d

/** `floor(units × (2^256 − 1)/target × CUTTM / granularity)` (`Claim.GetClaimeduPOKT`). */
export function claimedUpokt(parameters: {
  computeUnits: bigint
  targetHash: Uint8Array
  computeUnitsToTokensMultiplier: bigint
  computeUnitCostGranularity: bigint
}): bigint {
  const target = BigInt(`0x${Buffer.from(parameters.targetHash).toString('hex')}`)
  return (
    (parameters.computeUnits * MAX_TARGET * parameters.computeUnitsToTokensMultiplier) /
    (target * parameters.computeUnitCostGranularity)
  )
}

export type Allocation = {
  dao: number
  proposer: number
  supplier: number
  sourceOwner: number
  application: number
}

export type ExpectedReward = { recipient: string; opReason: SettlementOpReason; amount: bigint }

/**
 * Every module-to-account transfer the token logic modules make for one settled claim, and the
 * proposer's pooled shares, for a settlement amount within the application's budget.
 */
export function expectedRewards(parameters: {
  settled: bigint
  mintRatio: number
  globalInflationPerClaim: number
  mintEqualsBurn: Allocation
  mintAllocation: Allocation
  revShare: readonly { address: string; percentage: bigint }[]
  sourceOwner: string
  application: string
  dao: string
}): { minted: bigint; proposer: bigint; globalMint: bigint; rewards: ExpectedReward[] } {
  const rewards: ExpectedReward[] = []
  const pay = (recipient: string, opReason: SettlementOpReason, amount: bigint) => {
    if (amount > 0n) rewards.push({ recipient, opReason, amount })
  }
  const payShareholders = (amount: bigint, opReason: SettlementOpReason) => {
    const shares = parameters.revShare.map((s) => (amount * s.percentage) / 100n)
    const remainder = amount - shares.reduce((a, b) => a + b, 0n)
    shares[0]! += remainder
    parameters.revShare.forEach((s, i) => {
      pay(s.address, opReason, shares[i]!)
    })
  }

  // Relay burn equals mint: M = floor(settled × mint_ratio), split by percentage, DAO gets the rest.
  const minted = floorMul(parameters.settled, floatToRational(parameters.mintRatio))
  const split = (amount: bigint, a: Allocation) => {
    const supplier = floorMul(amount, floatToRational(a.supplier))
    const proposer = floorMul(amount, floatToRational(a.proposer))
    const sourceOwner = floorMul(amount, floatToRational(a.sourceOwner))
    const application = floorMul(amount, floatToRational(a.application))
    return {
      supplier,
      proposer,
      sourceOwner,
      application,
      dao: amount - supplier - proposer - sourceOwner - application,
    }
  }
  const rbem = split(minted, parameters.mintEqualsBurn)
  const R = SettlementOpReason
  payShareholders(
    rbem.supplier,
    R.TLM_RELAY_BURN_EQUALS_MINT_SUPPLIER_SHAREHOLDER_REWARD_DISTRIBUTION,
  )
  pay(
    parameters.sourceOwner,
    R.TLM_RELAY_BURN_EQUALS_MINT_SOURCE_OWNER_REWARD_DISTRIBUTION,
    rbem.sourceOwner,
  )
  pay(parameters.dao, R.TLM_RELAY_BURN_EQUALS_MINT_DAO_REWARD_DISTRIBUTION, rbem.dao)
  pay(
    parameters.application,
    R.TLM_RELAY_BURN_EQUALS_MINT_APPLICATION_REWARD_DISTRIBUTION,
    rbem.application,
  )

  // Global mint: I = ceil(settled × gi), split the same way; the application reimburses I to the DAO.
  let globalMint = 0n
  if (parameters.globalInflationPerClaim > 0) {
    globalMint = ceilMul(parameters.settled, floatToRational(parameters.globalInflationPerClaim))
    const gm = split(globalMint, parameters.mintAllocation)
    payShareholders(gm.supplier, R.TLM_GLOBAL_MINT_SUPPLIER_SHAREHOLDER_REWARD_DISTRIBUTION)
    pay(parameters.application, R.TLM_GLOBAL_MINT_APPLICATION_REWARD_DISTRIBUTION, gm.application)
    pay(parameters.sourceOwner, R.TLM_GLOBAL_MINT_SOURCE_OWNER_REWARD_DISTRIBUTION, gm.sourceOwner)
    pay(parameters.dao, R.TLM_GLOBAL_MINT_DAO_REWARD_DISTRIBUTION, gm.dao)
    pay(parameters.dao, R.TLM_GLOBAL_MINT_REIMBURSEMENT_REQUEST_ESCROW_DAO_TRANSFER, globalMint)
  }
  return { minted, proposer: rbem.proposer, globalMint, rewards }
}

/** Sorted for an order-free comparison. */
export function sortRewards<T extends { recipient: string; opReason: number; amount: bigint }>(
  rewards: readonly T[],
): { recipient: string; opReason: number; amount: bigint }[] {
  return rewards
    .map(({ recipient, opReason, amount }) => ({ recipient, opReason, amount }))
    .sort((a, b) =>
      a.recipient === b.recipient ? a.opReason - b.opReason : a.recipient < b.recipient ? -1 : 1,
    )
}
