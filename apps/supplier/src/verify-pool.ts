import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { SessionErrorCode, SessionForVerification } from '@decai/session'

// A pool of worker threads for relay verification. A ring signature check costs most of a
// relay's CPU time in TypeScript (about 0.7 ms of ~1 ms); spreading it over cores raises
// throughput without touching the rest of the pipeline, which stays on the main thread.

export type VerifyWorkerMessage =
  | { type: 'init'; rpcUrl: string; height: bigint; operatorAddress: string }
  | { type: 'height'; height: bigint }
  | { type: 'verify'; id: number; bytes: Uint8Array; serviceId: string; height: bigint }

export type VerifyResult =
  | { ok: true; sessionHeight: bigint; session: SessionForVerification }
  | { ok: false; code: SessionErrorCode; message: string }

export type VerifyReply = VerifyResult & { id: number }

export type VerifyPool = {
  readonly size: number
  /**
   * Verifies a serialized relay request as `verifyRelayRequest` does, on a worker; `undefined`
   * when no worker is alive.
   */
  verify(bytes: Uint8Array, serviceId: string, height: bigint): Promise<VerifyResult> | undefined
  setHeight(height: bigint): void
  close(): Promise<void>
}

type Slot = {
  worker: Worker
  pending: Map<number, (reply: VerifyReply) => void>
}

/**
 * A worker for `url`. From TypeScript sources (tsx, vitest) the worker must first register
 * tsx's loader itself: Node 20 workers do not honour `--import`.
 */
function spawnWorker(url: URL): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url)
  const api = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs')
  const boot = `import(${JSON.stringify(pathToFileURL(api).href)})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}) })`
  return new Worker(boot, { eval: true })
}

/** Starts `size` verification workers reading the chain at `rpcUrl`. */
export function createVerifyPool(parameters: {
  size: number
  rpcUrl: string
  height: bigint
  operatorAddress: string
  /** Told when a worker dies. */
  onError?: (error: unknown) => void
}): VerifyPool {
  const url = new URL(
    `./verify-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
    import.meta.url,
  )
  let nextId = 0
  let closing = false
  const slots: Slot[] = []
  const remove = (slot: Slot, error: unknown) => {
    if (closing) return
    const i = slots.indexOf(slot)
    if (i >= 0) slots.splice(i, 1)
    for (const [id, resolve] of slot.pending)
      resolve({ id, ok: false, code: 'RELAY_SESSION_UNAVAILABLE', message: String(error) })
    slot.pending.clear()
    parameters.onError?.(error)
  }
  for (let i = 0; i < parameters.size; i++) {
    const worker = spawnWorker(url)
    const slot: Slot = { worker, pending: new Map() }
    worker.on('message', (reply: VerifyReply) => {
      const resolve = slot.pending.get(reply.id)
      slot.pending.delete(reply.id)
      resolve?.(reply)
    })
    // A dead worker fails what it held and leaves the pool; with none left, verification
    // runs on the main thread again.
    worker.on('error', (error) => remove(slot, error))
    worker.on('exit', (code) => remove(slot, new Error(`verify worker exited with ${code}`)))
    worker.unref()
    worker.postMessage({
      type: 'init',
      rpcUrl: parameters.rpcUrl,
      height: parameters.height,
      operatorAddress: parameters.operatorAddress,
    } satisfies VerifyWorkerMessage)
    slots.push(slot)
  }

  return {
    get size() {
      return slots.length
    },
    verify(bytes, serviceId, height) {
      if (slots.length === 0) return undefined
      // The least loaded worker.
      let slot = slots[0]!
      for (const s of slots) if (s.pending.size < slot.pending.size) slot = s
      const id = nextId++
      return new Promise((resolve) => {
        slot.pending.set(id, resolve)
        slot.worker.postMessage({
          type: 'verify',
          id,
          bytes,
          serviceId,
          height,
        } satisfies VerifyWorkerMessage)
      })
    },
    setHeight(height) {
      for (const s of slots)
        s.worker.postMessage({ type: 'height', height } satisfies VerifyWorkerMessage)
    },
    async close() {
      closing = true
      const all = slots.splice(0)
      await Promise.all(all.map((s) => s.worker.terminate()))
    },
  }
}
