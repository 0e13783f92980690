// A worker thread that verifies relay requests (ring signature and session) with its own cached
// chain view, so verification, the costliest step of a relay, runs on more than one core.
import { parentPort } from 'node:worker_threads'
import { createChainClient } from '@decai/chain'
import { describeError } from '@decai/core'
import { parseRelayRequest, verifyRelayRequest } from '@decai/session'
import { createChainView } from './chain-view.js'
import type { VerifyReply, VerifyWorkerMessage } from './verify-pool.js'

const port = parentPort
if (!port) throw new Error('verify-worker.ts runs as a worker thread')

let view: ReturnType<typeof createChainView> | undefined
let operatorAddress = ''

port.on('message', async (message: VerifyWorkerMessage) => {
  if (message.type === 'init') {
    view = createChainView(createChainClient({ rpcUrl: message.rpcUrl }), message.height)
    operatorAddress = message.operatorAddress
    return
  }
  if (message.type === 'height') {
    view?.setHeight(message.height)
    return
  }
  const { id, bytes, serviceId, height } = message
  let reply: VerifyReply
  try {
    if (!view) throw new Error('the verify worker is not initialised')
    view.setHeight(height)
    const result = await verifyRelayRequest(parseRelayRequest(bytes), {
      currentHeight: height,
      serviceId,
      supplierOperatorAddresses: [operatorAddress],
      getSharedParams: view.getSharedParams,
      getRingPublicKeys: view.getRingPublicKeys,
      getSession: view.getSession,
    })
    reply = result.ok
      ? { id, ok: true, sessionHeight: result.sessionHeight, session: result.session }
      : { id, ok: false, code: result.error.code, message: describeError(result.error) }
  } catch (error) {
    reply = {
      id,
      ok: false,
      code: 'RELAY_SESSION_UNAVAILABLE',
      message: describeError(error),
    }
  }
  port.postMessage(reply)
})
