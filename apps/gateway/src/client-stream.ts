import type { ServerResponse } from 'node:http'

// The client's side of a streamed answer: a body the gateway writes verified bytes to as they
// arrive, and the small timing helpers the executor races with.

const encoder = new TextEncoder()

/** An SSE comment: keeps idle connections open, and is not part of the answer. */
export const KEEP_ALIVE = ': keep-alive\n\n'

/**
 * A client-facing body the gateway writes to as verified bytes arrive. It goes out one of two
 * ways: straight to Node's response (`attach`: the head and what was written before it leave in
 * one socket write, each later write as it comes), or as a web `ReadableStream` (`stream`) for a
 * fetch-style server. Writes before either are held.
 */
export class ClientStream {
  readonly #onCancel: () => void
  #pending: Uint8Array[] = []
  #closed = false
  #ended = false
  #target: ServerResponse | undefined
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined
  #stream: ReadableStream<Uint8Array> | undefined
  lastWriteAt = performance.now()

  constructor(onCancel: () => void) {
    this.#onCancel = onCancel
  }

  /** The body as a web stream; cancelling it counts as the client leaving. */
  get stream(): ReadableStream<Uint8Array> {
    this.#stream ??= new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller
        for (const chunk of this.#takePending()) controller.enqueue(chunk)
        if (this.#ended) controller.close()
      },
      cancel: () => this.#gone(),
    })
    return this.#stream
  }

  /**
   * Sends the body on Node's response: the head with everything written so far (one write), then
   * each write at once. The response closing before its end counts as the client leaving.
   */
  attach(res: ServerResponse, status: number, headers: Record<string, string>): void {
    this.#target = res
    res.once('close', () => {
      if (!res.writableFinished) this.#gone()
    })
    res.writeHead(status, headers)
    const pending = this.#takePending()
    // Node sends the head with the first body write of the same tick (one `writev`); with
    // nothing to send yet it must go out alone, as the client is waiting for it.
    if (pending.length > 0) res.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending))
    else if (!this.#ended) res.flushHeaders()
    if (this.#ended) res.end()
  }

  get closed(): boolean {
    return this.#closed
  }

  write(chunk: Uint8Array | string): void {
    if (this.#closed) return
    if (this.#target !== undefined) this.#target.write(chunk)
    else {
      const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk
      if (this.#controller !== undefined) this.#controller.enqueue(bytes)
      else this.#pending.push(bytes)
    }
    this.lastWriteAt = performance.now()
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#ended = true
    if (this.#target !== undefined) this.#target.end()
    else this.#controller?.close()
  }

  #takePending(): Uint8Array[] {
    const pending = this.#pending
    this.#pending = []
    return pending
  }

  #gone(): void {
    if (this.#closed) return
    this.#closed = true
    this.#onCancel()
  }
}

export function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

/** Resolves to `value` after `ms` (at once if negative); its timer is pushed to `timers`. */
export function timer<T>(
  ms: number,
  value: T,
  timers: ReturnType<typeof setTimeout>[],
): Promise<T> {
  return new Promise((resolve) => {
    timers.push(setTimeout(() => resolve(value), Math.max(0, ms)))
  })
}
