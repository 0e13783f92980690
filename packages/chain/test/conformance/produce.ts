// Sends transactions of every kind through the real signing client (against the in-memory fake
// node) and writes what went over the wire, for the Go reference to decode with the SDK's tx
// decoder and verify: `tsx produce.ts <outDir>`.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { getPublicKey, privateKeyFromHex, pubkeyToAddress } from '@decai/crypto'
import { createPrivateKeySigner, createSigningChainClient, decodeTxRaw } from '../../src/index.js'
import { encodeCreateClaim } from '../../src/messages.js'
import { createFakeNode } from '../helpers/fake-node.js'
import { bytesToHex } from '../vectors.js'

const outDir = process.argv[2]
if (!outDir) throw new Error('usage: produce.ts <outDir>')

// A small seeded generator (mulberry32): the same run produces the same cases.
let state = 0xc4a1
function random(): number {
  state = (state + 0x6d2b79f5) | 0
  let t = state
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const int = (n: number) => Math.floor(random() * n)
const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256))
const key = () => privateKeyFromHex(bytesToHex(bytes(31)).padStart(64, '1'))
const address = () => pubkeyToAddress(getPublicKey(key()))

type Case = {
  name: string
  chainId: string
  accountNumber: string
  sequence: string
  memo: string
  gasLimit: string
  fee: { denom: string; amount: string }[]
  typeUrls: string[]
  publicKey: string
  txRaw: string
  hash: string
}

const cases: Case[] = []

for (let round = 0; round < 4; round++) {
  const node = createFakeNode({ chainId: round % 2 ? 'pocket' : 'pocket-beta' })
  const signer = createPrivateKeySigner(key())
  const [account] = await signer.getAccounts()
  node.addAccount(account!.address)
  const client = await createSigningChainClient({
    rpcUrl: 'http://fake-node:26657',
    signer,
    fetch: node.fetch,
    gasPrice: ['1upokt', '0.001upokt', '0upokt', '0.000001upokt'][round]!,
    gasMultiplier: 1 + round / 4,
    pollingInterval: 1,
  })
  const timer = setInterval(() => node.produceBlock(), 2)
  const header = () => ({
    applicationAddress: address(),
    serviceId: `svc${int(100)}`,
    sessionId: bytesToHex(bytes(32)),
    sessionStartBlockHeight: BigInt(1 + int(1000)),
    sessionEndBlockHeight: BigInt(1001 + int(1000)),
  })
  const memo = () => (int(2) ? '' : `memo ${int(1e6)} ✓`)
  const gas = () => (int(2) ? ('auto' as const) : BigInt(50_000 + int(500_000)))
  const sends: [string, () => Promise<Awaited<ReturnType<typeof client.sendTokens>>>][] = [
    [
      'addService',
      () =>
        client.addService({
          id: `svc${int(100)}`,
          name: 'LLM inference',
          computeUnitsPerRelay: BigInt(1 + int(100)),
          memo: memo(),
          gas: gas(),
        }),
    ],
    [
      'addServiceWithCard',
      () =>
        client.addService({
          id: 'llm',
          name: 'card',
          computeUnitsPerRelay: 7n,
          card: new TextEncoder().encode('{"schema":"v1"}'),
        }),
    ],
    [
      'transferService',
      () => client.transferService({ serviceId: 'llm', newOwnerAddress: address(), memo: memo() }),
    ],
    [
      'stakeApplication',
      () =>
        client.stakeApplication({ stake: BigInt(1 + int(1e9)), serviceIds: ['llm'], gas: gas() }),
    ],
    [
      'stakeApplicationWithLimit',
      () =>
        client.stakeApplication({
          stake: 10n ** 9n,
          serviceIds: ['llm'],
          perSessionSpendLimit: BigInt(int(1e6)),
        }),
    ],
    ['unstakeApplication', () => client.unstakeApplication()],
    ['delegateToGateway', () => client.delegateToGateway({ gatewayAddress: address() })],
    [
      'undelegateFromGateway',
      () => client.undelegateFromGateway({ gatewayAddress: address(), memo: memo() }),
    ],
    ['stakeGateway', () => client.stakeGateway({ stake: BigInt(1 + int(1e9)) })],
    ['unstakeGateway', () => client.unstakeGateway({ gas: gas() })],
    [
      'stakeSupplier',
      () =>
        client.stakeSupplier({
          stake: BigInt(1 + int(1e9)),
          ownerAddress: address(),
          services: [
            {
              serviceId: 'llm',
              endpoints: [
                {
                  url: 'https://relayminer.example:8545',
                  rpcType: 3,
                  configs: [{ key: 1, value: '30' }],
                },
              ],
              revShare: [
                { address: address(), revSharePercentage: 60n },
                { address: address(), revSharePercentage: 40n },
              ],
            },
            { serviceId: 'llm2', endpoints: [{ url: 'http://10.0.0.1:8080', rpcType: 5 }] },
          ],
        }),
    ],
    ['unstakeSupplier', () => client.unstakeSupplier()],
    [
      'createClaim',
      () => client.createClaim({ sessionHeader: header(), rootHash: bytes(48), gas: gas() }),
    ],
    [
      'submitProof',
      () => client.submitProof({ sessionHeader: header(), proof: bytes(200 + int(600)) }),
    ],
    [
      'sendTokens',
      () => client.sendTokens({ toAddress: address(), amount: BigInt(int(1e12)), memo: memo() }),
    ],
  ]
  // A supplier submits its claims all at once, and several in one transaction.
  const claims = Array.from({ length: 6 }, () =>
    client.createClaim({ sessionHeader: header(), rootHash: bytes(48) }),
  )
  const batch = client.sendTransaction({
    messages: Array.from({ length: 3 }, () =>
      encodeCreateClaim(client.address, { sessionHeader: header(), rootHash: bytes(48) }),
    ),
  })
  const results = await Promise.all([
    ...sends.map(async ([name, send]) => ({ name, result: await send() })),
    ...claims.map(async (p, i) => ({ name: `concurrentClaim${i}`, result: await p })),
    batch.then((result) => ({ name: 'threeClaims', result })),
  ])
  clearInterval(timer)
  for (const { name, result } of results) {
    const tx = decodeTxRaw(result.tx)
    const fee = tx.authInfo.fee!
    cases.push({
      name: `${name}#${round}`,
      chainId: node.chainId,
      accountNumber: String(node.accounts.get(client.address)!.accountNumber),
      sequence: String(tx.authInfo.signerInfos[0]!.sequence),
      memo: tx.body.memo,
      gasLimit: String(fee.gasLimit),
      fee: fee.amount.map((c) => ({ denom: c.denom, amount: c.amount })),
      typeUrls: tx.body.messages.map((m) => m.typeUrl),
      publicKey: bytesToHex(client.publicKey),
      txRaw: bytesToHex(result.tx),
      hash: result.hash.toLowerCase(),
    })
  }
}

mkdirSync(outDir, { recursive: true })
writeFileSync(join(outDir, 'chain-txs.json'), JSON.stringify({ kind: 'chain-txs', cases }))
console.log(`wrote ${cases.length} chain-txs cases`)
