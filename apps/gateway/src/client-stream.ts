// The client's side of a streamed answer: a body the gateway writes verified bytes to as they
// arrive, and the small timing helpers the executor races with.

const encoder = new TextEncoder()

/** An SSE comment: keeps idle connections open, and is not part of the answer. */
export const KEEP_ALIVE = ': keep-alive\n\n'

/** A client-facing body the gateway writes to as verified bytes arrive. */
export class ClientStream {
  readonly stream: ReadableStream<Uint8Array>
  #controller!: ReadableStreamDefaultController<Uint8Array>
  #closed = false
  lastWriteAt = performance.now()

  constructor(onCancel: () => void) {
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller
      },
      cancel: () => {
        this.#closed = true
        onCancel()
      },
    })
  }

  get closed(): boolean {
    return this.#closed
  }

  write(chunk: Uint8Array | string): void {
    if (this.#closed) return
    this.#controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk)
    this.lastWriteAt = performance.now()
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#controller.close()
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
