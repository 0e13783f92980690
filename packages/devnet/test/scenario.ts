// A full POKT session driven through the RPC: service, actors, session, signed relays, claims
// and proofs, built with the protocol packages exactly as off-chain actors build them.

import {
  getPublicKey,
  getRingAddresses,
  ringSign,
  serializeRingSignature,
  signSupplierPayload,
} from '@decai/crypto'
import { clone, create, marshal } from '@decai/protocol'
import {
  MsgDelegateToGatewaySchema,
  MsgStakeApplicationSchema,
} from '@decai/protocol/gen/pocket/application/tx_pb'
import { MsgStakeGatewaySchema } from '@decai/protocol/gen/pocket/gateway/tx_pb'
import { MsgCreateClaimSchema, MsgSubmitProofSchema } from '@decai/protocol/gen/pocket/proof/tx_pb'
import {
  type RelayRequest,
  RelayRequestSchema,
  type RelayResponse,
  RelayResponseSchema,
  RelaySchema,
} from '@decai/protocol/gen/pocket/service/relay_pb'
import { MsgAddServiceSchema } from '@decai/protocol/gen/pocket/service/tx_pb'
import {
  QueryGetSessionRequestSchema,
  QueryGetSessionResponseSchema,
} from '@decai/protocol/gen/pocket/session/query_pb'
import type { Session, SessionHeader } from '@decai/protocol/gen/pocket/session/types_pb'
import { RPCType } from '@decai/protocol/gen/pocket/shared/service_pb'
import { MsgStakeSupplierSchema } from '@decai/protocol/gen/pocket/supplier/tx_pb'
import {
  compactClosestProof,
  encodeClosestProof,
  getProofPath,
  getRelayHash,
  Smst,
} from '@decai/relay-mining'
import { sha256 } from '@noble/hashes/sha2.js'
import type { DevnetConfig } from '../src/config/types.js'
import type { Devnet } from '../src/devnet.js'
import { broadcast, msg, mustQuery, rpc, type Signer, signerOf, signTx } from './helpers.js'

export const SERVICE_ID = 'llm-anvil'
export const CUPR = 7n

/** A genesis where every claim needs a proof (threshold 1 uPOKT) and inflation is on. */
export const scenarioConfig: DevnetConfig = {
  params: {
    proof: { proof_requirement_threshold: { denom: 'upokt', amount: '1' } },
  },
}

export type Actors = {
  owner: Signer
  app: Signer
  gateway: Signer
  supplier1: Signer
  supplier2: Signer
  revShareHolder: string
}

export function actorsOf(devnet: Devnet): Actors {
  return {
    owner: signerOf(devnet, 'owner'),
    app: signerOf(devnet, 'application'),
    gateway: signerOf(devnet, 'gateway'),
    supplier1: signerOf(devnet, 'supplier1'),
    supplier2: signerOf(devnet, 'supplier2'),
    revShareHolder: devnet.accounts.find((a) => a.name === 'user1')!.address,
  }
}

export const APP_STAKE = 100_000_000n
export const SUPPLIER_STAKE = 2_000_000n

/** Registers the service, stakes the gateway, app and two suppliers, delegates; one block. */
export async function setUpActors(devnet: Devnet, actors: Actors): Promise<void> {
  const { owner, app, gateway, supplier1, supplier2, revShareHolder } = actors
  const endpoint = (url: string) => [{ url, rpcType: RPCType.JSON_RPC }]
  const txs = [
    await signTx(devnet, owner, [
      msg(MsgAddServiceSchema, {
        ownerAddress: owner.address,
        service: {
          id: SERVICE_ID,
          name: 'LLM Anvil',
          computeUnitsPerRelay: CUPR,
          ownerAddress: owner.address,
        },
      }),
    ]),
    await signTx(devnet, gateway, [
      msg(MsgStakeGatewaySchema, {
        address: gateway.address,
        stake: { denom: 'upokt', amount: '5000000' },
      }),
    ]),
    await signTx(devnet, app, [
      msg(MsgStakeApplicationSchema, {
        address: app.address,
        stake: { denom: 'upokt', amount: APP_STAKE.toString() },
        services: [{ serviceId: SERVICE_ID }],
      }),
      msg(MsgDelegateToGatewaySchema, { appAddress: app.address, gatewayAddress: gateway.address }),
    ]),
    await signTx(devnet, supplier1, [
      msg(MsgStakeSupplierSchema, {
        signer: supplier1.address,
        ownerAddress: supplier1.address,
        operatorAddress: supplier1.address,
        stake: { denom: 'upokt', amount: SUPPLIER_STAKE.toString() },
        services: [
          {
            serviceId: SERVICE_ID,
            endpoints: endpoint('http://supplier1:8545'),
            revShare: [
              { address: supplier1.address, revSharePercentage: 70n },
              { address: revShareHolder, revSharePercentage: 30n },
            ],
          },
        ],
      }),
    ]),
    await signTx(devnet, supplier2, [
      msg(MsgStakeSupplierSchema, {
        signer: supplier2.address,
        ownerAddress: supplier2.address,
        operatorAddress: supplier2.address,
        stake: { denom: 'upokt', amount: SUPPLIER_STAKE.toString() },
        services: [
          {
            serviceId: SERVICE_ID,
            endpoints: endpoint('http://supplier2:8545'),
            revShare: [{ address: supplier2.address, revSharePercentage: 100n }],
          },
        ],
      }),
    ]),
  ]
  for (const tx of txs) {
    const check = await broadcast(devnet.rpcUrl, tx)
    if (check.code !== 0) throw new Error(`setup tx rejected: ${check.log}`)
  }
  await devnet.produceBlocks(1)
  for (const tx of txs) {
    const result = await rpc(devnet.rpcUrl, 'tx', {
      hash: Buffer.from(sha256(tx)).toString('base64'),
    })
    const r = (result as { tx_result: { code: number; log: string } }).tx_result
    if (r.code !== 0) throw new Error(`setup tx failed: ${r.log}`)
  }
}

/** Produces blocks until the chain is at `height`. */
export async function advanceTo(devnet: Devnet, height: bigint): Promise<void> {
  if (devnet.height < height) await devnet.produceBlocks(Number(height - devnet.height))
}

export async function getSession(devnet: Devnet, app: string, height: bigint): Promise<Session> {
  const res = await mustQuery(
    devnet.rpcUrl,
    '/pocket.session.Query/GetSession',
    QueryGetSessionRequestSchema,
    { applicationAddress: app, serviceId: SERVICE_ID, blockHeight: height },
    QueryGetSessionResponseSchema,
  )
  return res.session!
}

/** Signs a relay as the gateway (ring signature) and the supplier (ECDSA) do; its mined bytes. */
function finishRelay(
  req: RelayRequest,
  ringKeys: Uint8Array[],
  gateway: Signer,
  supplier: Signer,
  header: SessionHeader,
  responsePayload: string,
): Uint8Array {
  const unsigned = clone(RelayRequestSchema, req)
  const signable = sha256(marshal(RelayRequestSchema, unsigned))
  req.meta!.signature = serializeRingSignature(ringSign(signable, ringKeys, gateway.privateKey))
  const payload = new TextEncoder().encode(responsePayload)
  const res: RelayResponse = create(RelayResponseSchema, {
    meta: { sessionHeader: header },
    payload,
    payloadHash: sha256(payload),
  })
  const toSign = clone(RelayResponseSchema, res)
  toSign.payload = new Uint8Array()
  res.meta!.supplierOperatorSignature = signSupplierPayload(
    sha256(marshal(RelayResponseSchema, toSign)),
    supplier.privateKey,
  )
  const mined = clone(RelayResponseSchema, res)
  mined.payload = new Uint8Array()
  return marshal(RelaySchema, create(RelaySchema, { req, res: mined }))
}

/** Builds a supplier's session tree from `count` relays (base difficulty: all are minable). */
export function buildTree(
  header: SessionHeader,
  appKey: Uint8Array,
  appAddress: string,
  gateway: Signer,
  supplier: Signer,
  count: number,
): Smst {
  const tree = new Smst()
  const ring = getRingAddresses({
    appAddress,
    delegateeGatewayAddresses: [gateway.address],
    sessionEndHeight: header.sessionEndBlockHeight,
  })
  const keys: Record<string, Uint8Array> = {
    [appAddress]: appKey,
    [gateway.address]: getPublicKey(gateway.privateKey),
  }
  for (let i = 0; i < count; i++) {
    const req = create(RelayRequestSchema, {
      meta: { sessionHeader: header, supplierOperatorAddress: supplier.address },
      payload: new TextEncoder().encode(`{"prompt":"hello ${i}"}`),
    })
    const relay = finishRelay(
      req,
      ring.map((a) => keys[a]!),
      gateway,
      supplier,
      header,
      `{"completion":"world ${i}"}`,
    )
    tree.update(getRelayHash(relay), relay, CUPR)
  }
  return tree
}

export async function blockHash(devnet: Devnet, height: bigint): Promise<Uint8Array> {
  const result = (await rpc(devnet.rpcUrl, 'block', { height: height.toString() })) as {
    block_id: { hash: string }
  }
  return new Uint8Array(Buffer.from(result.block_id.hash, 'hex'))
}

export async function claimTx(
  devnet: Devnet,
  supplier: Signer,
  header: SessionHeader,
  root: Uint8Array,
) {
  return signTx(devnet, supplier, [
    msg(MsgCreateClaimSchema, {
      supplierOperatorAddress: supplier.address,
      sessionHeader: header,
      rootHash: root,
    }),
  ])
}

/** The gob-encoded closest proof for `path` (the chain's proof bytes). */
export function proveClosest(tree: Smst, path: Uint8Array): Uint8Array {
  return encodeClosestProof(compactClosestProof(tree.proveClosest(path)))
}

export async function proofTx(
  devnet: Devnet,
  supplier: Signer,
  header: SessionHeader,
  proof: Uint8Array,
) {
  return signTx(devnet, supplier, [
    msg(MsgSubmitProofSchema, {
      supplierOperatorAddress: supplier.address,
      sessionHeader: header,
      proof,
    }),
  ])
}

export { getProofPath }
