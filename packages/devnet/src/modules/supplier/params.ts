// x/supplier params: poktroll v0.1.35's defaults and `Params.Validate`.

import { create, knownChainErrors, type MessageShape } from '@decai/protocol'
import type { Coin } from '@decai/protocol/gen/cosmos/base/v1beta1/coin_pb'
import { ParamsSchema } from '@decai/protocol/gen/pocket/supplier/params_pb'
import { RegisteredError } from '../../app/abci-error.js'
import { coin, DENOM } from '../../app/codec.js'
import { amountOf, coinText, goQuote } from '../../app/go-format.js'

export type SupplierParams = MessageShape<typeof ParamsSchema>

const paramInvalid = RegisteredError.from(knownChainErrors.supplier.ErrSupplierParamInvalid)

/** poktroll v0.1.35's default (types/params.go). */
export function defaultSupplierParams(): SupplierParams {
  return create(ParamsSchema, { minStake: coin(1_000_000n), stakingFee: coin(1n) })
}

export function validateSupplierParams(p: SupplierParams): void {
  const fail = (message: string): never => {
    throw paramInvalid.wrap(message)
  }
  const positive = (c: Coin | undefined, name: string): Coin => {
    const value = c ?? fail('missing param')
    if (value.denom !== DENOM) {
      fail(`invalid ${name} denom ${goQuote(value.denom)}; expected ${goQuote(DENOM)}`)
    }
    if (amountOf(value) < 0n) fail(`${name} amount must be positive: got ${coinText(value)}`)
    return value
  }
  const minStake = positive(p.minStake, 'min_stake')
  if (amountOf(minStake) === 0n) {
    fail(`min_stake amount must be greater than 0: got ${coinText(minStake)}`)
  }
  positive(p.stakingFee, 'staking_fee')
}
