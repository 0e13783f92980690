// Bad relays: every verification failure is answered with the RelayMinerError poktroll's
// RelayMiner replies with (codespace, code, description), as an unsigned RelayResponse with
// the request's session header; no byte of a backend answer is read and nothing is mined (a
// request that decodes may reach the backend while it is verified: verify-overlap.test.ts).
// Also the rate limit by application stake, with the real model answering the relays it allows.
import { generatePrivateKey, hexToBytes } from '@decai/crypto'
import type { Devnet } from '@decai/devnet'
import { type LlmServer, startLlmServer } from '@decai/llm-server'
import { clone, type RelayRequest, RelayRequestSchema } from '@decai/protocol'
import {
  buildRelayRequest,
  createPoktHttpRequest,
  isSessionError,
  parseRelayResponse,
  serializeRelayRequest,
  signRelayRequest,
  verifyRelayResponse,
} from '@decai/session'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { relayMinerErrors, type Supplier, startSupplier } from '../src/index.js'
import { AppClient, account, chatBody, SERVICE_ID, startChain, supplierConfig } from './helpers.js'

let devnet: Devnet
let llm: LlmServer
let supplier: Supplier
let app: AppClient

// 200,000 compute units per relay at 42 uPOKT each: 9.24 POKT per relay in stake terms, so
// the 100 POKT application can pay this supplier 5 relays per session, the 1 POKT one none.
const CUPR = 200_000

beforeAll(async () => {
  ;[devnet, llm] = await Promise.all([
    startChain({
      computeUnitsPerRelay: CUPR,
      services: [{ id: 'other', name: 'Other', computeUnitsPerRelay: 1, owner: 'owner' }],
      applications: [{ address: 'user1', stake: '1000000', serviceId: 'other' }],
    }),
    startLlmServer({ port: 0, threads: 1, parallel: 2, embeddings: false }),
  ])
  // Sessions of 4 blocks: start in the third session so that the first one has expired.
  await devnet.produceBlocks(9)
  supplier = await startSupplier(
    supplierConfig(devnet, llm.url, { service: { maxRequestBytes: '64KiB' } }),
  )
  app = AppClient.for(devnet, supplier)
})

afterAll(async () => {
  await supplier?.stop()
  await Promise.all([llm?.stop(), devnet?.stop()])
})

async function post(bytes: Uint8Array) {
  const res = await fetch(supplier.url, { method: 'POST', body: bytes as Uint8Array<ArrayBuffer> })
  expect(res.status).toBe(200)
  return parseRelayResponse(new Uint8Array(await res.arrayBuffer()))
}

type Kind = keyof typeof relayMinerErrors

async function expectMinerError(request: RelayRequest | Uint8Array, kind: Kind) {
  const bytes = request instanceof Uint8Array ? request : serializeRelayRequest(request)
  const response = await post(bytes)
  const expected = relayMinerErrors[kind]
  expect(response.relayMinerError).toMatchObject({
    codespace: expected.codespace,
    code: expected.abciCode,
    description: expected.description,
  })
  expect(response.relayMinerError!.message).toContain(expected.description)
  expect(new TextDecoder().decode(response.payload)).toBe(response.relayMinerError!.message)
  expect(response.meta?.supplierOperatorSignature.length ?? 0).toBe(0)
  if (!(request instanceof Uint8Array) && request.meta?.sessionHeader)
    expect(response.meta?.sessionHeader).toEqual(request.meta.sessionHeader)
  return response
}

const payload = () =>
  createPoktHttpRequest({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(chatBody('Hi', { max_tokens: 2 })),
  })

/** A request with an arbitrary header, ring-signed by `signer` with `ring`. */
async function signed(
  header: Parameters<typeof buildRelayRequest>[0]['sessionHeader'],
  options: { supplier?: string; signer?: Uint8Array; ringOf?: AppClient } = {},
) {
  const ringHeader = await app.session()
  return signRelayRequest(
    buildRelayRequest({
      sessionHeader: header,
      supplierOperatorAddress: options.supplier ?? supplier.operatorAddress,
      payload: payload(),
    }),
    {
      signer: options.signer ?? app.app.privateKey,
      ring: await (options.ringOf ?? app).ring({ ...ringHeader, ...header } as never),
    },
  )
}

describe('malformed requests (RelayRequest.ValidateBasic)', () => {
  it('bytes that are not a RelayRequest: relayer_proxy/14, empty session header', async () => {
    const response = await expectMinerError(hexToBytes('ffffffff0102'), 'unmarshalingRelayRequest')
    expect(response.meta?.sessionHeader).toMatchObject({ serviceId: '', sessionId: '' })
  })

  it('each ValidateBasic failure: service/1111', async () => {
    const good = await app.signRelay({ path: '/v1/chat/completions', body: chatBody('Hi') })
    const variants: ((r: RelayRequest) => void)[] = [
      (r) => {
        r.meta!.sessionHeader = undefined
      },
      (r) => {
        r.meta!.sessionHeader!.applicationAddress = 'cosmos1notpokt'
      },
      (r) => {
        r.meta!.sessionHeader!.sessionId = ''
      },
      (r) => {
        r.meta!.sessionHeader!.serviceId = 'bad service!'
      },
      (r) => {
        r.meta!.sessionHeader!.sessionStartBlockHeight = 0n
      },
      (r) => {
        r.meta!.signature = new Uint8Array()
      },
      (r) => {
        r.meta!.supplierOperatorAddress = ''
      },
    ]
    for (const mutate of variants) {
      const request = clone(RelayRequestSchema, good)
      mutate(request)
      await expectMinerError(request, 'serviceInvalidRelayRequest')
    }
  })

  it('a body over the service limit: relayer_proxy/11', async () => {
    await expectMinerError(new Uint8Array(70 * 1024), 'maxBodyExceeded')
  })

  it('a completion nested deeper than 100 levels: service/1111, before the backend', async () => {
    // Streamed, so the supplier parses it to ask for usage: 5,000 levels used to overflow the
    // stack there and end as an internal error.
    const header = await app.session()
    const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`
    const body = `{"stream":true,"messages":[{"role":"user","content":"Hi"}],"x":${deep}}`
    const request = signRelayRequest(
      buildRelayRequest({
        sessionHeader: header,
        supplierOperatorAddress: supplier.operatorAddress,
        payload: createPoktHttpRequest({
          method: 'POST',
          url: '/v1/chat/completions',
          headers: { 'content-type': 'application/json' },
          body,
        }),
      }),
      { signer: app.app.privateKey, ring: await app.ring(header) },
    )
    const response = await expectMinerError(request, 'serviceInvalidRelayRequest')
    expect(response.relayMinerError!.message).toContain('nests deeper than 100 levels')
  })
})

describe('requests this supplier does not serve', () => {
  it('another supplier: relayer_proxy/9', async () => {
    const header = await app.session()
    const request = await signed(header, { supplier: account(devnet, 'supplier2').address })
    await expectMinerError(request, 'supplierNotReachable')
  })

  it('a service without a backend here: relayer_proxy/3', async () => {
    const header = await app.session()
    await expectMinerError(
      await signed({ ...header, serviceId: 'nope' }),
      'serviceEndpointNotHandled',
    )
  })
})

describe('signature and ring (poktroll ring client)', () => {
  it('an application unknown to the chain: rings/2', async () => {
    const header = await app.session()
    const faucet = account(devnet, 'faucet')
    const request = buildRelayRequest({
      sessionHeader: { ...header, applicationAddress: faucet.address },
      supplierOperatorAddress: supplier.operatorAddress,
      payload: payload(),
    })
    // A well-formed ring signature: what fails is finding the application's ring.
    request.meta!.signature = (await signed(header)).meta!.signature
    await expectMinerError(request, 'ringInvalidRelayRequest')
  })

  it('bytes that are not a ring signature: rings/3', async () => {
    const request = await app.signRelay({ path: '/v1/chat/completions', body: chatBody('Hi') })
    request.meta!.signature = new Uint8Array(10).fill(7)
    await expectMinerError(request, 'ringInvalidSignature')
  })

  it("a ring that is not the application's: rings/3", async () => {
    const header = await app.session()
    const other = AppClient.for(devnet, supplier, 'user2')
    const request = await signed(header, { signer: other.app.privateKey, ringOf: other })
    await expectMinerError(request, 'ringInvalidSignature')
  })

  it('a payload changed after signing: rings/3', async () => {
    const request = await app.signRelay({ path: '/v1/chat/completions', body: chatBody('Hi') })
    request.payload = new TextEncoder().encode('{"tampered":true}')
    await expectMinerError(request, 'ringInvalidSignature')
  })
})

describe('session (poktroll relay authenticator)', () => {
  it('a session past its grace period: relay_authenticator/1', async () => {
    const old = await app.client.getSession({
      applicationAddress: app.app.address,
      serviceId: SERVICE_ID,
      height: 1n,
    })
    await expectMinerError(await signed(old.header!), 'authInvalidSession')
  })

  it('a session ID that is not the chain’s: relay_authenticator/1', async () => {
    const header = await app.session()
    await expectMinerError(
      await signed({ ...header, sessionId: 'ab'.repeat(32) }),
      'authInvalidSession',
    )
  })

  it('the right ID with another end height: relay_authenticator/1', async () => {
    const header = await app.session()
    const request = await signed({
      ...header,
      sessionEndBlockHeight: header.sessionEndBlockHeight + 1n,
    })
    await expectMinerError(request, 'authInvalidSession')
  })

  it('an application not staked for the service: relay_authenticator/1', async () => {
    const header = await app.session()
    const user1 = AppClient.for(devnet, supplier, 'user1')
    const request = await signed(
      { ...header, applicationAddress: user1.app.address },
      { signer: user1.app.privateKey, ringOf: user1 },
    )
    await expectMinerError(request, 'authInvalidSession')
  })

  it('a supplier of this relay miner that is not in the session: relay_authenticator/2', async () => {
    // supplier2 holds no stake: its key is served here but the chain never puts it in a session.
    const supplier2 = account(devnet, 'supplier2')
    const other = await startSupplier(
      supplierConfig(devnet, llm.url, {
        operator: { privateKey: Buffer.from(supplier2.privateKey).toString('hex') },
      }),
    )
    try {
      const header = await app.session()
      const request = await signed(header, { supplier: supplier2.address })
      const res = await fetch(other.url, {
        method: 'POST',
        body: serializeRelayRequest(request) as Uint8Array<ArrayBuffer>,
      })
      const response = parseRelayResponse(new Uint8Array(await res.arrayBuffer()))
      expect(response.relayMinerError).toMatchObject({ codespace: 'relay_authenticator', code: 2 })
    } finally {
      await other.stop()
    }
  })
})

describe('verification on worker threads', () => {
  it('gives the same answers as inline verification while relays are in flight', async () => {
    const pooled = await startSupplier(
      supplierConfig(devnet, llm.url, { verifyWorkers: 1, rateLimit: { enabled: false } }),
    )
    try {
      const client = new AppClient(devnet, app.app, pooled.operatorAddress, pooled.publicKey)
      const header = await client.session()
      const valid = await Promise.all(
        [0, 1].map((i) =>
          client.signRelay(
            { path: '/v1/chat/completions', body: chatBody(`Story ${i}`, { max_tokens: 24 }) },
            header,
          ),
        ),
      )
      const tampered = await Promise.all(
        [0, 1, 2, 3].map(async (i) => {
          const request = await client.signRelay(
            { path: '/v1/chat/completions', body: chatBody(`Hi ${i}`) },
            header,
          )
          request.payload = new TextEncoder().encode('{"tampered":true}')
          return serializeRelayRequest(request)
        }),
      )
      // While the valid relays wait for the model, the others are verified on the worker.
      const served = valid.map((request) => client.send(pooled.url, request))
      await new Promise((r) => setTimeout(r, 100))
      const refused = await Promise.all(
        tampered.map(async (bytes) => {
          const res = await fetch(pooled.url, {
            method: 'POST',
            body: bytes as Uint8Array<ArrayBuffer>,
          })
          return parseRelayResponse(new Uint8Array(await res.arrayBuffer()))
        }),
      )
      for (const response of refused)
        expect(response.relayMinerError).toMatchObject({ codespace: 'rings', code: 3 })
      expect((await Promise.all(served)).map((r) => r.ok)).toEqual([true, true])
      const metrics = await pooled.renderMetrics()
      expect(metrics).toMatch(/^supplier_verify_workers 1$/m)
      expect(metrics).toMatch(/supplier_verifications_total\{where="worker"\} [4-9]/)
    } finally {
      await pooled.stop()
    }
  })
})

describe('a misconfigured supplier (allowAddressMismatch)', () => {
  it('answers, but with signatures its clients reject; it never claims', async () => {
    const other = await startSupplier(
      supplierConfig(devnet, llm.url, {
        operator: {
          privateKey: Buffer.from(generatePrivateKey()).toString('hex'),
          address: supplier.operatorAddress,
          allowAddressMismatch: true,
        },
      }),
    )
    try {
      const request = await app.signRelay({
        path: '/v1/chat/completions',
        body: chatBody('Hi', { max_tokens: 2 }),
      })
      const error = await app.send(other.url, request).catch((e: unknown) => e)
      expect(isSessionError(error) && error.code).toBe('RELAY_RESPONSE_SIGNATURE_INVALID')
      expect(other.busy).toBe(false)
    } finally {
      await other.stop()
    }
  })
})

describe('rate limiting by application stake', () => {
  it('refuses an application whose stake cannot pay one relay: relayer_proxy/7', async () => {
    const poor = AppClient.for(devnet, supplier, 'user2')
    const request = await poor.signRelay({ path: '/v1/chat/completions', body: chatBody('Hi') })
    const response = await expectMinerError(request, 'rateLimited')
    // The client sees it as what it is.
    const verified = verifyRelayResponse(
      await fetch(supplier.url, {
        method: 'POST',
        body: serializeRelayRequest(request) as Uint8Array<ArrayBuffer>,
      }).then(async (r) => new Uint8Array(await r.arrayBuffer())),
      {
        sessionHeader: request.meta!.sessionHeader!,
        supplierOperatorAddress: supplier.operatorAddress,
        supplierPublicKey: supplier.publicKey,
      },
    )
    expect(!verified.ok && verified.error.code).toBe('RELAY_RESPONSE_MINER_ERROR')
    expect(response.relayMinerError!.message).toMatch(/spent its stake/)
  })

  it('serves what the stake pays for this session (5 relays), then refuses', async () => {
    const header = await app.session()
    const results = []
    for (let i = 0; i < 6; i++) {
      const request = await app.signRelay(
        { path: '/v1/chat/completions', body: chatBody(`Say ${i}`, { max_tokens: 2 }) },
        header,
      )
      results.push(await app.send(supplier.url, request))
    }
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, true, false])
    const last = results[5]!
    expect(!last.ok && last.minerError).toMatchObject({ codespace: 'relayer_proxy', code: 7 })
    expect(supplier.getSession(header.sessionId)).toMatchObject({ relaysServed: 5, relaysMined: 5 })
  })

  it('counts every refusal by reason, and none of them as a failed relay', async () => {
    const metrics = await supplier.renderMetrics()
    for (const reason of [
      'RELAY_REQUEST_MALFORMED',
      'RELAY_REQUEST_MISSING_SESSION_HEADER',
      'RELAY_UNKNOWN_SUPPLIER',
      'UNKNOWN_SERVICE',
      'RELAY_RING_UNAVAILABLE',
      'RELAY_SIGNATURE_MALFORMED',
      'RELAY_RING_MISMATCH',
      'RELAY_SIGNATURE_INVALID',
      'RELAY_SESSION_EXPIRED',
      'RELAY_SESSION_ID_MISMATCH',
      'RELAY_SESSION_HEADER_MISMATCH',
      'RELAY_SESSION_UNAVAILABLE',
      'RATE_LIMITED',
      'REQUEST_TOO_LARGE',
      'JSON_TOO_DEEP',
    ])
      expect(metrics).toMatch(
        new RegExp(`supplier_relays_rejected_total\\{[^}]*reason="${reason}"`),
      )
    expect(metrics).not.toMatch(/supplier_relays_failed_total\{/)
  })
})
