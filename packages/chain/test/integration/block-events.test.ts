// What every block carries in FinalizeBlock before any transaction: x/mint's block provision
// (zero inflation on both backends: the pocketd localnet zeroes its mint params) and, from the
// second block on, x/distribution's allocation of the fees collected in the block before, as
// `commission` and `rewards` of the validator. The expectations are written from the SDK's
// formulas (community tax 0.02, the validator's commission rate 0.1, truncating and
// half-to-even rounding at 18 decimals) and hold on pocketd and on the devnet alike.
import { createHash } from 'node:crypto'
import { decodeAddress, encodeAddress } from '@decai/crypto'
import { create, marshal, unmarshal } from '@decai/protocol'
import * as bankQuery from '@decai/protocol/gen/cosmos/bank/v1beta1/query_pb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPrivateKeySigner, createSigningChainClient } from '../../src/index.js'
import { type Backend, startBackend } from './backend.js'

type Attribute = { key: string; value: string; index?: boolean }
type BlockEvent = { type: string; attributes: Attribute[] }

const ONE = 10n ** 18n
const COMMUNITY_TAX = 2n * 10n ** 16n
const COMMISSION_RATE = 10n ** 17n

const moduleAddress = (name: string) =>
  encodeAddress(new Uint8Array(createHash('sha256').update(name).digest().subarray(0, 20)))

/** `LegacyDec.String()`. */
const dec = (value: bigint) => {
  const s = value.toString().padStart(19, '0')
  return `${s.slice(0, -18)}.${s.slice(-18)}`
}

/** `Mul` of two 18-decimal numbers, rounded half to even. */
const mulRound = (a: bigint, b: bigint) => {
  const product = a * b
  const [q, r] = [product / ONE, product % ONE]
  return r < ONE / 2n || (r === ONE / 2n && q % 2n === 0n) ? q : q + 1n
}

let backend: Backend
let validatorOperator: string
beforeAll(async () => {
  backend = await startBackend()
  const validator = backend.accounts.get('validator')
  validatorOperator = validator
    ? encodeAddress(decodeAddress(validator).bytes, 'poktvaloper')
    : 'unknown'
})
afterAll(async () => {
  await backend?.stop()
})

async function getFinalizeBlockEvents(height: bigint): Promise<BlockEvent[]> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${backend.rpcUrl}/block_results?height=${height}`)
    const body = (await response.json()) as {
      result?: { finalize_block_events: BlockEvent[] | null }
    }
    if (body.result) return body.result.finalize_block_events ?? []
    // The newest block's results can lag its header for a moment.
    if (attempt > 20) throw new Error(`no results for height ${height}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** The SDK's bank send events of a module-to-module send, as a BeginBlocker emits them. */
const moduleSend = (from: string, to: string, amount: string): BlockEvent[] => [
  { type: 'coin_spent', attributes: [attr('spender', from), attr('amount', amount)] },
  { type: 'coin_received', attributes: [attr('receiver', to), attr('amount', amount)] },
  {
    type: 'transfer',
    attributes: [attr('recipient', to), attr('sender', from), attr('amount', amount)],
  },
  { type: 'message', attributes: [attr('sender', from)] },
]

const attr = (key: string, value: string): Attribute => ({ key, value, index: true })

/** Every BeginBlock event of a block whose previous block collected `fees` uPOKT. */
function expectedBeginBlockEvents(bondedRatio: bigint, fees: bigint): BlockEvent[] {
  const feeCoins = fees === 0n ? '' : `${fees}upokt`
  const reward = (fees * ONE * (ONE - COMMUNITY_TAX)) / ONE
  const commission = mulRound(reward, COMMISSION_RATE)
  const decCoins = (amount: bigint) => (amount === 0n ? '' : `${dec(amount)}upokt`)
  const events: BlockEvent[] = [
    ...moduleSend(moduleAddress('mint'), moduleAddress('fee_collector'), ''),
    {
      type: 'mint',
      attributes: [
        attr('bonded_ratio', dec(bondedRatio)),
        attr('inflation', dec(0n)),
        attr('annual_provisions', dec(0n)),
        attr('amount', '0'),
      ],
    },
    ...moduleSend(moduleAddress('fee_collector'), moduleAddress('distribution'), feeCoins),
    {
      type: 'commission',
      attributes: [attr('amount', decCoins(commission)), attr('validator', validatorOperator)],
    },
    {
      type: 'rewards',
      attributes: [attr('amount', decCoins(reward)), attr('validator', validatorOperator)],
    },
  ]
  return events.map((e) => ({
    ...e,
    attributes: [...e.attributes, attr('mode', 'BeginBlock')],
  }))
}

async function getBondedRatio(): Promise<bigint> {
  const bonded = await backend.client.getBalance({ address: moduleAddress('bonded_tokens_pool') })
  const request = create(bankQuery.QuerySupplyOfRequestSchema, { denom: 'upokt' })
  const res = await backend.client.comet.abciQuery({
    path: '/cosmos.bank.v1beta1.Query/SupplyOf',
    data: marshal(bankQuery.QuerySupplyOfRequestSchema, request),
  })
  const supply = unmarshal(bankQuery.QuerySupplyOfResponseSchema, res.value).amount?.amount
  // `BondedRatio`: bonded tokens over the supply, truncated at 18 decimals.
  return (BigInt(bonded) * ONE) / BigInt(supply ?? '0')
}

describe('block events', () => {
  it('an empty block carries the mint and distribution events', async (context) => {
    if (!backend.genesisParams) return context.skip()
    const height = (await backend.client.getLatestHeight()) + 1n
    await backend.client.waitForHeight({ height: height + 1n, timeout: 30_000 })
    const events = await getFinalizeBlockEvents(height)
    expect(events).toEqual(expectedBeginBlockEvents(await getBondedRatio(), 0n))
  })

  it("the block after a fee moves it to x/distribution and announces the validator's share", async (context) => {
    if (!backend.genesisParams) return context.skip()
    const payer = await createSigningChainClient({
      rpcUrl: backend.rpcUrl,
      signer: createPrivateKeySigner(backend.faucetKey),
      gasPrice: '0.01upokt',
    })
    const tx = await payer.sendTokens({ toAddress: moduleAddress('nobody'), amount: 1n })
    expect(tx.code).toBe(0)
    const fee = BigInt(
      tx.events
        .find((e) => e.type === 'tx' && e.attributes.some((a) => a.key === 'fee'))
        ?.attributes.find((a) => a.key === 'fee')
        ?.value.replace(/upokt$/, '') ?? '0',
    )
    expect(fee).toBeGreaterThan(0n)
    await backend.client.waitForHeight({ height: tx.height + 2n, timeout: 30_000 })
    const events = await getFinalizeBlockEvents(tx.height + 1n)
    expect(events).toEqual(expectedBeginBlockEvents(await getBondedRatio(), fee))
  })
})
