// Every block's BeginBlock work, as a one-validator pocketd v0.1.35 does it: x/mint at zero
// inflation, then x/distribution's allocation of the fees collected in the block before. The
// chain suite checks the same events against pocketd itself; these cases pin the devnet's own
// arithmetic and its edges (the first block, a validator with no power, a fee to allocate).
import { MsgSendSchema } from '@decai/protocol/gen/cosmos/bank/v1beta1/tx_pb'
import { afterAll, describe, expect, it } from 'vitest'
import { addressBytes, bech32Address } from '../src/app/codec.js'
import {
  formatDec,
  formatDecCoins,
  mulDecCoins,
  mulDecRound,
  quoDecTruncate,
} from '../src/app/legacy-dec.js'
import { type Devnet, startDevnet } from '../src/devnet.js'
import { moduleAddressBytes } from '../src/modules/auth/keeper.js'
import { getBalance, msg, mustDeliver, rpc, signerOf, signTx } from './helpers.js'

type BlockEvent = { type: string; attributes: { key: string; value: string; index: boolean }[] }

const devnets: Devnet[] = []
afterAll(async () => {
  await Promise.all(devnets.map((d) => d.stop()))
})

async function start(
  config?: NonNullable<Parameters<typeof startDevnet>[0]>['config'],
): Promise<Devnet> {
  const devnet = await startDevnet({ port: 0, blockTimeMs: 0, ...(config ? { config } : {}) })
  devnets.push(devnet)
  return devnet
}

async function eventsAt(devnet: Devnet, height: bigint): Promise<BlockEvent[]> {
  const result = (await rpc(devnet.rpcUrl, 'block_results', { height: String(height) })) as {
    finalize_block_events: BlockEvent[] | null
  }
  return result.finalize_block_events ?? []
}

const module = (name: string) => bech32Address(moduleAddressBytes(name))
const summary = (events: BlockEvent[]) =>
  events.map((e) => `${e.type} ${e.attributes.map((a) => `${a.key}=${a.value}`).join(' ')}`)

describe('begin-block events', () => {
  it('mint on every block, distribution from the second, with the bonded ratio of the state', async () => {
    const devnet = await start()
    await devnet.produceBlocks(2)
    const mint = module('mint')
    const feeCollector = module('fee_collector')
    const distribution = module('distribution')
    const validator = devnet.accounts.find((a) => a.name === 'validator')!.address
    const operator = bech32Address(addressBytes(validator), 'poktvaloper')
    // pocketd's localnet, the same genesis, says 0.000000891972249752 (900 POKT of 1,009,000,000).
    const mintEvents = [
      `coin_spent spender=${mint} amount= mode=BeginBlock`,
      `coin_received receiver=${feeCollector} amount= mode=BeginBlock`,
      `transfer recipient=${feeCollector} sender=${mint} amount= mode=BeginBlock`,
      `message sender=${mint} mode=BeginBlock`,
      'mint bonded_ratio=0.000000891972249752 inflation=0.000000000000000000 annual_provisions=0.000000000000000000 amount=0 mode=BeginBlock',
    ]
    expect(summary(await eventsAt(devnet, 1n))).toEqual(mintEvents)
    const second = await eventsAt(devnet, 2n)
    expect(summary(second)).toEqual([
      ...mintEvents,
      `coin_spent spender=${feeCollector} amount= mode=BeginBlock`,
      `coin_received receiver=${distribution} amount= mode=BeginBlock`,
      `transfer recipient=${distribution} sender=${feeCollector} amount= mode=BeginBlock`,
      `message sender=${feeCollector} mode=BeginBlock`,
      `commission amount= validator=${operator} mode=BeginBlock`,
      `rewards amount= validator=${operator} mode=BeginBlock`,
    ])
    // Every attribute is indexed, as sdk.NewEvent makes them.
    expect(second.every((e) => e.attributes.every((a) => a.index))).toBe(true)
  })

  it("moves the block's fees to x/distribution in the next block and announces the validator's share", async () => {
    const devnet = await start()
    const from = signerOf(devnet, 'user1')
    const to = devnet.accounts.find((a) => a.name === 'user2')!.address
    const fee = 12_345n
    const tx = await signTx(
      devnet,
      from,
      [
        msg(MsgSendSchema, {
          fromAddress: from.address,
          toAddress: to,
          amount: [{ denom: 'upokt', amount: '1' }],
        }),
      ],
      { fee },
    )
    const height = BigInt((await mustDeliver(devnet, tx)).height)
    expect(await getBalance(devnet.rpcUrl, module('fee_collector'))).toBe(fee)
    await devnet.produceBlock()
    expect(await getBalance(devnet.rpcUrl, module('fee_collector'))).toBe(0n)
    expect(await getBalance(devnet.rpcUrl, module('distribution'))).toBe(fee)
    const events = summary(await eventsAt(devnet, height + 1n))
    // 12345 × (1 − 0.02) = 12098.1; commission 10% of that = 1209.81.
    expect(events).toContain(
      `transfer recipient=${module('distribution')} sender=${module('fee_collector')} amount=12345upokt mode=BeginBlock`,
    )
    expect(events.find((e) => e.startsWith('commission'))).toMatch(
      /^commission amount=1209\.810000000000000000upokt validator=poktvaloper1\w+ mode=BeginBlock$/,
    )
    expect(events.find((e) => e.startsWith('rewards'))).toMatch(
      /^rewards amount=12098\.100000000000000000upokt validator=poktvaloper1\w+ mode=BeginBlock$/,
    )
  })

  it('gives a validator without consensus power no share: the fees go to the community pool', async () => {
    const devnet = await start({ validator: { stake: 999_999n } })
    await devnet.produceBlocks(2)
    const types = (await eventsAt(devnet, 2n)).map((e) => e.type)
    expect(types).toContain('mint')
    expect(types).not.toContain('commission')
    expect(types).not.toContain('rewards')
  })
})

describe('LegacyDec arithmetic', () => {
  const dec = (text: string) => {
    const [whole, fraction = ''] = text.split('.')
    return BigInt(whole!) * 10n ** 18n + BigInt(fraction.padEnd(18, '0'))
  }

  it('prints 18 decimals', () => {
    expect(formatDec(0n)).toBe('0.000000000000000000')
    expect(formatDec(dec('12.5'))).toBe('12.500000000000000000')
    expect(formatDec(-dec('0.1'))).toBe('-0.100000000000000000')
    expect(formatDecCoins([])).toBe('')
    expect(
      formatDecCoins([
        { denom: 'a', amount: dec('1') },
        { denom: 'b', amount: dec('2') },
      ]),
    ).toBe('1.000000000000000000a,2.000000000000000000b')
  })

  it('rounds Mul half to even and truncates MulTruncate and Quo', () => {
    const tiny = 1n // 10^-18
    const half = dec('0.5')
    // 10^-18 × 0.5 is exactly half of the last digit: to even (0), and 3 × that to 2.
    expect(mulDecRound(tiny, half)).toBe(0n)
    expect(mulDecRound(3n, half)).toBe(2n)
    expect(mulDecRound(dec('1.000000000000000001'), dec('0.6'))).toBe(dec('0.600000000000000001'))
    expect(mulDecCoins([{ denom: 'u', amount: 3n }], half)).toEqual([{ denom: 'u', amount: 1n }])
    expect(mulDecCoins([{ denom: 'u', amount: 3n }], half, true)).toEqual([
      { denom: 'u', amount: 2n },
    ])
    // Zero products are dropped, as DecCoins drops zero coins.
    expect(mulDecCoins([{ denom: 'u', amount: 1n }], half)).toEqual([])
    expect(quoDecTruncate(900_000_000n, 1_009_000_000_000_000n)).toBe(891_972_249_752n)
  })
})
