// How the chain answers what goes wrong, word for word: the texts below are pocketd v0.1.35's
// (Go's bech32 decoder, the SDK's query router and simulation service, poktroll's handlers), and
// the devnet must give the same, since clients parse them (sequence resync, known errors).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createPrivateKeySigner,
  encodeAuthInfo,
  encodeTxBody,
  encodeTxRaw,
} from '../../src/index.js'
import { encodeSendTokens } from '../../src/messages.js'
import { encodeSimulateRequest } from '../../src/tx-encoding.js'
import { type Actor, type Backend, createActors, startBackend } from './backend.js'

/** A pocket address with its last character changed: a bad checksum. */
const BAD_ADDRESS = 'pokt1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqhhl3rq'
const BAD_CHECKSUM = 'decoding bech32 failed: invalid checksum (expected w9ltm9 got hhl3rq)'

let backend: Backend
let actors: Record<'app' | 'other' | 'owner', Actor>

beforeAll(async () => {
  backend = await startBackend()
  actors = await createActors(backend, { app: 2_000_000_000n, other: 1n, owner: 10_000_000n })
})
afterAll(async () => {
  await backend?.stop()
})

describe('queries', () => {
  it("reports an invalid address in Go's words", async () => {
    const { client } = backend
    // x/auth hands the address codec's error to the query router (invalid request).
    await expect(client.getAccount({ address: BAD_ADDRESS })).rejects.toMatchObject({
      code: 'QUERY_FAILED',
      codespace: 'sdk',
      abciCode: 18,
      log: `${BAD_CHECKSUM}: invalid request`,
    })
    // x/bank wraps it in an InvalidArgument status.
    await expect(client.getBalance({ address: BAD_ADDRESS })).rejects.toMatchObject({
      abciCode: 18,
      log: `rpc error: code = InvalidArgument desc = invalid address: ${BAD_CHECKSUM}: invalid request`,
    })
    // poktroll's request validation, as its handler's status.
    await expect(
      client.getSession({ applicationAddress: BAD_ADDRESS, serviceId: 'x' }),
    ).rejects.toMatchObject({
      abciCode: 18,
      log: `rpc error: code = InvalidArgument desc = ${BAD_CHECKSUM}: invalid application address for session: invalid request`,
    })
  })

  it('answers an unknown path with sdk/6 and no height, as the SDK query router', async () => {
    const res = await backend.client.comet.abciQuery({
      path: '/pocket.nothing.Query/Here',
      data: new Uint8Array(),
    })
    expect(res).toMatchObject({
      code: 6,
      codespace: 'sdk',
      log: 'unknown query path: unknown request',
      height: 0,
    })
  })

  it('refuses a session of a service nobody supplies', async () => {
    const serviceId = `empty${Date.now().toString(36)}`
    await actors.owner.client.addService({ id: serviceId, name: 'x', computeUnitsPerRelay: 1n })
    await actors.app.client.stakeApplication({ stake: 1_000_000_000n, serviceIds: [serviceId] })
    const shared = await backend.client.getParams({ module: 'shared' })
    const height = await backend.client.getLatestHeight()
    // The stake is active from the next session.
    await backend.client.waitForHeight({
      height: height + shared.numBlocksPerSession + 1n,
      timeout: 60_000,
      pollingInterval: 50,
    })
    const error = await backend.client
      .getSession({ applicationAddress: actors.app.address, serviceId })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'QUERY_FAILED', codespace: 'sdk', abciCode: 6 })
    expect((error as { log: string }).log).toMatch(
      new RegExp(
        `^rpc error: code = Internal desc = could not find suppliers for service ${serviceId} at height \\d+: no suppliers not found for session: unknown request$`,
      ),
    )
  })

  it('fails a block above the head with CometBFT text', async () => {
    await expect(backend.client.getBlockResults({ height: 1_000_000_000n })).rejects.toMatchObject({
      code: 'RPC_ERROR',
      details: expect.stringMatching(
        /^height 1000000000 must be less than or equal to the current blockchain height \d+$/,
      ),
    })
  })
})

describe('simulation', () => {
  /** Simulates a MsgSend from the application with the given tweaks; returns the raw answer. */
  async function simulate(options: { sequenceOffset?: bigint; amount?: bigint; memo?: string }) {
    const { app, other } = actors
    const account = await backend.client.getAccount({ address: app.address })
    const bodyBytes = encodeTxBody({
      messages: [
        encodeSendTokens(app.address, { toAddress: other.address, amount: options.amount ?? 1n }),
      ],
      memo: options.memo ?? '',
    })
    const authInfoBytes = encodeAuthInfo({
      publicKey: app.client.publicKey,
      sequence: account.sequence + (options.sequenceOffset ?? 0n),
      fee: { amount: [], gasLimit: 0n },
    })
    const { signature } = await createPrivateKeySigner(app.key).signDirect(app.address, {
      bodyBytes,
      authInfoBytes,
      chainId: app.client.chainId,
      accountNumber: account.accountNumber,
    })
    const tx = encodeTxRaw({
      bodyBytes,
      authInfoBytes,
      signatures: [Uint8Array.from(atob(signature.signature), (c) => c.charCodeAt(0))],
    })
    const res = await backend.client.comet.abciQuery({
      path: '/cosmos.tx.v1beta1.Service/Simulate',
      data: encodeSimulateRequest(tx),
    })
    return { code: res.code, codespace: res.codespace, log: res.log ?? '', account }
  }

  // The service formats the error with %v, which appends where it was first wrapped.
  const failure = (text: string, frame: string) =>
    new RegExp(
      `^rpc error: code = Unknown desc = ${escapeRegExp(text)} \\[cosmos/cosmos-sdk@v0\\.53\\.7/${escapeRegExp(frame)}\\] with gas used: '\\d+': unknown request$`,
    )

  it('reports a wrong sequence where the ante handler found it', async () => {
    const res = await simulate({ sequenceOffset: 3n })
    const { sequence } = res.account
    expect(res).toMatchObject({ code: 6, codespace: 'sdk' })
    expect(res.log).toMatch(
      failure(
        `account sequence mismatch, expected ${sequence}, got ${sequence + 3n}: incorrect account sequence`,
        'x/auth/ante/sigverify.go:364',
      ),
    )
  })

  it('reports a memo too large and funds too low where the SDK wrapped them', async () => {
    expect((await simulate({ memo: 'x'.repeat(300) })).log).toMatch(
      failure(
        'maximum number of characters is 256 but received 300 characters: memo too large',
        'x/auth/ante/basic.go:68',
      ),
    )
    const balance = await backend.client.getBalance({ address: actors.app.address })
    expect((await simulate({ amount: 10n ** 15n })).log).toMatch(
      failure(
        `failed to execute message; message index: 0: spendable balance ${balance}upokt is smaller than 1000000000000000upokt: insufficient funds`,
        'x/bank/keeper/send.go:298',
      ),
    )
  })

  it("reports a poktroll handler's refusal at the message loop", async () => {
    await actors.app.client.unstakeApplication()
    const error = await actors.app.client.unstakeApplication().catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'TX_FAILED', phase: 'simulate', abciCode: 6 })
    const prefix = `rpc error: code = Unknown desc = failed to execute message; message index: 0: rpc error: code = FailedPrecondition desc = application with address "${actors.app.address}"`
    const suffix = ` [cosmos/cosmos-sdk@v0.53.7/baseapp/baseapp.go:1052] with gas used: '`
    expect((error as { log: string }).log).toMatch(
      new RegExp(`^${escapeRegExp(prefix)}[^[]+${escapeRegExp(suffix)}\\d+': unknown request$`),
    )
  })
})

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
