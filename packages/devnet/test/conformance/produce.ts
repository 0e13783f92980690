// Runs a full session on an in-memory devnet and writes what it produced, for the Go reference
// to check: every typed event (its gogo bytes and the attributes the devnet emitted, which Go
// re-derives with the SDK's TypedEventToEvent) and every block header (its protobuf encoding and
// the block hash the devnet serves, which Go recomputes with CometBFT's Header.Hash).
// `tsx produce.ts <outDir>`.

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { getPublicKey } from '@decai/crypto'
import { type DescMessage, type MessageShape, marshal } from '@decai/protocol'
import { MsgSendSchema } from '@decai/protocol/gen/cosmos/bank/v1beta1/tx_pb'
import { MsgUndelegateFromGatewaySchema } from '@decai/protocol/gen/pocket/application/tx_pb'
import { MsgUnstakeGatewaySchema } from '@decai/protocol/gen/pocket/gateway/tx_pb'
import { MsgUnstakeSupplierSchema } from '@decai/protocol/gen/pocket/supplier/tx_pb'
import { hexLower } from '../../src/app/codec.js'
import { EventManager, typedEvent } from '../../src/app/events.js'
import { startDevnet } from '../../src/devnet.js'
import { encodeHeader } from '../../src/node/block-hash.js'
import { msg, mustDeliver, signTx } from '../helpers.js'
import {
  actorsOf,
  advanceTo,
  blockHash,
  buildTree,
  claimTx,
  getProofPath,
  getSession,
  proofTx,
  proveClosest,
  scenarioConfig,
  setUpActors,
} from '../scenario.js'

const outDir = process.argv[2]
if (!outDir) throw new Error('usage: produce.ts <outDir>')

type EventCase = { type: string; bytes: string; attributes: { key: string; value: string }[] }
const events: EventCase[] = []

// Every typed event the modules emit passes through EventManager.emitTyped; record the message
// itself so Go can decode the exact bytes.
const emitTyped = EventManager.prototype.emitTyped
EventManager.prototype.emitTyped = function <Desc extends DescMessage>(
  this: EventManager,
  schema: Desc,
  message: MessageShape<Desc>,
) {
  events.push({
    type: schema.typeName,
    bytes: hexLower(marshal(schema, message)),
    attributes: typedEvent(schema, message).attributes.map(({ key, value }) => ({ key, value })),
  })
  emitTyped.call(this, schema, message)
}

const devnet = await startDevnet({ port: 0, blockTimeMs: 0, config: scenarioConfig })
try {
  const actors = actorsOf(devnet)
  await setUpActors(devnet, actors)
  await advanceTo(devnet, 5n)
  const header = (await getSession(devnet, actors.app.address, 5n)).header!
  const appKey = getPublicKey(actors.app.privateKey)
  const tree1 = buildTree(header, appKey, actors.app.address, actors.gateway, actors.supplier1, 5)
  const tree2 = buildTree(header, appKey, actors.app.address, actors.gateway, actors.supplier2, 3)
  await advanceTo(devnet, 9n)
  await mustDeliver(devnet, await claimTx(devnet, actors.supplier1, header, tree1.root()))
  await mustDeliver(devnet, await claimTx(devnet, actors.supplier2, header, tree2.root()))
  await advanceTo(devnet, 11n)
  const path = getProofPath(await blockHash(devnet, 11n), header.sessionId)
  await mustDeliver(
    devnet,
    await proofTx(devnet, actors.supplier1, header, proveClosest(tree1, path)),
  )
  // Supplier 2 proves the wrong path: accepted, then found invalid, expired and slashed.
  const wrongPath = getProofPath(await blockHash(devnet, 10n), header.sessionId)
  await mustDeliver(
    devnet,
    await proofTx(devnet, actors.supplier2, header, proveClosest(tree2, wrongPath)),
  )
  await advanceTo(devnet, 15n)
  await mustDeliver(
    devnet,
    await signTx(devnet, actors.app, [
      msg(MsgUndelegateFromGatewaySchema, {
        appAddress: actors.app.address,
        gatewayAddress: actors.gateway.address,
      }),
    ]),
  )
  await mustDeliver(
    devnet,
    await signTx(devnet, actors.gateway, [
      msg(MsgUnstakeGatewaySchema, { address: actors.gateway.address }),
    ]),
  )
  await mustDeliver(
    devnet,
    await signTx(devnet, actors.supplier1, [
      msg(MsgUnstakeSupplierSchema, {
        signer: actors.supplier1.address,
        operatorAddress: actors.supplier1.address,
      }),
      msg(MsgSendSchema, {
        fromAddress: actors.supplier1.address,
        toAddress: actors.revShareHolder,
        amount: [{ denom: 'upokt', amount: '12345' }],
      }),
    ]),
  )
  // Through the unbonding period, so the unbonding-end events fire too.
  await devnet.produceBlocks(12)

  const headers = []
  for (let height = 1n; height <= devnet.height; height++) {
    const block = devnet.node.getBlock(height)!
    headers.push({ header: hexLower(encodeHeader(block.header)), hash: hexLower(block.hash) })
  }

  mkdirSync(outDir, { recursive: true })
  const write = (kind: string, cases: unknown[]) =>
    writeFileSync(join(outDir, `${kind}.json`), `${JSON.stringify({ kind, cases }, null, 1)}\n`)
  write('devnet-events', events)
  write('devnet-headers', headers)
  const types = new Set(events.map((e) => e.type))
  console.log(
    `devnet-events: ${events.length} cases (${types.size} types); devnet-headers: ${headers.length} cases`,
  )
} finally {
  await devnet.stop()
}
