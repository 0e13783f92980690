import { LlmServerError } from './errors.js'

export type Lease<T> = {
  readonly item: T
  /** Returns the item to the pool (idempotent). */
  release(): void
}

export type SlotPoolOptions = {
  /** Requests allowed to wait for a free item; one more is refused with OVERLOADED. */
  maxQueue: number
  /** How long a request may wait before it is refused with OVERLOADED. */
  queueTimeoutMs: number
}

type Waiter<T> = {
  resolve(lease: Lease<T>): void
  reject(error: unknown): void
}

/**
 * A fixed set of items (context sequences) handed out one request at a time, with a bounded FIFO
 * queue in front. Bounding the queue turns overload into a fast 503 instead of a pile of requests
 * that all time out.
 */
export class SlotPool<T> {
  readonly #free: T[]
  readonly #size: number
  readonly #waiters: Waiter<T>[] = []
  readonly #options: SlotPoolOptions
  #closed = false

  constructor(items: readonly T[], options: SlotPoolOptions) {
    this.#free = [...items]
    this.#size = items.length
    this.#options = options
  }

  get size(): number {
    return this.#size
  }

  get busy(): number {
    return this.#size - this.#free.length
  }

  get queued(): number {
    return this.#waiters.length
  }

  acquire(signal?: AbortSignal): Promise<Lease<T>> {
    if (this.#closed) return Promise.reject(closedError())
    if (signal?.aborted) return Promise.reject(abortedError(signal))
    const item = this.#free.pop()
    if (item !== undefined) return Promise.resolve(this.#lease(item))
    if (this.#waiters.length >= this.#options.maxQueue) {
      return Promise.reject(
        new LlmServerError('OVERLOADED', 'The server is busy; retry later.', {
          details: `${this.#size} sequences busy and ${this.#waiters.length} requests queued.`,
        }),
      )
    }
    return new Promise<Lease<T>>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve: (lease) => {
          cleanup()
          resolve(lease)
        },
        reject: (error) => {
          cleanup()
          reject(error)
        },
      }
      const leave = (error: unknown) => {
        const index = this.#waiters.indexOf(waiter)
        if (index >= 0) this.#waiters.splice(index, 1)
        waiter.reject(error)
      }
      const timer = setTimeout(
        () =>
          leave(
            // Still overload, not a slow generation: a 503 the client may retry.
            new LlmServerError('OVERLOADED', 'The server is busy; retry later.', {
              details: `No sequence became free within ${this.#options.queueTimeoutMs} ms.`,
            }),
          ),
        this.#options.queueTimeoutMs,
      )
      const onAbort = () => leave(abortedError(signal))
      signal?.addEventListener('abort', onAbort, { once: true })
      const cleanup = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
      }
      this.#waiters.push(waiter)
    })
  }

  /** Refuses every queued and future request; leased items stay with their holders. */
  close(): void {
    this.#closed = true
    for (const waiter of this.#waiters.splice(0)) waiter.reject(closedError())
  }

  #lease(item: T): Lease<T> {
    let released = false
    return {
      item,
      release: () => {
        if (released) return
        released = true
        const next = this.#waiters.shift()
        if (next && !this.#closed) next.resolve(this.#lease(item))
        else this.#free.push(item)
      },
    }
  }
}

function closedError(): LlmServerError {
  return new LlmServerError('ABORTED', 'The server is shutting down.')
}

function abortedError(signal: AbortSignal | undefined): unknown {
  const reason: unknown = signal?.reason
  if (reason instanceof LlmServerError) return reason
  return new LlmServerError('ABORTED', 'The request was aborted.', { cause: reason })
}
