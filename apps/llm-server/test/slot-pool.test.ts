import { describe, expect, it } from 'vitest'
import { isLlmServerError } from '../src/errors.js'
import { SlotPool } from '../src/slot-pool.js'

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (isLlmServerError(error)) return error.code
    throw error
  }
  throw new Error('expected a rejection')
}

describe('SlotPool', () => {
  it('hands out items, queues in order, and refuses beyond the queue bound', async () => {
    const pool = new SlotPool(['a'], { maxQueue: 2, queueTimeoutMs: 10_000 })
    const first = await pool.acquire()
    const second = pool.acquire()
    const third = pool.acquire()
    expect(await codeOf(pool.acquire())).toBe('OVERLOADED')
    expect(pool.queued).toBe(2)
    first.release()
    first.release() // idempotent: must not hand the item out twice
    const lease2 = await second
    expect(lease2.item).toBe('a')
    expect(pool.busy).toBe(1)
    lease2.release()
    ;(await third).release()
    expect(pool.busy).toBe(0)
  })

  it('times out and aborts queued requests without leaking the item', async () => {
    const pool = new SlotPool([1], { maxQueue: 5, queueTimeoutMs: 20 })
    const held = await pool.acquire()
    expect(await codeOf(pool.acquire())).toBe('OVERLOADED')
    const controller = new AbortController()
    const waiting = pool.acquire(controller.signal)
    controller.abort()
    expect(await codeOf(waiting)).toBe('ABORTED')
    expect(pool.queued).toBe(0)
    held.release()
    expect(pool.busy).toBe(0)
  })

  it('refuses everything once closed', async () => {
    const pool = new SlotPool([1], { maxQueue: 5, queueTimeoutMs: 1000 })
    const held = await pool.acquire()
    const waiting = pool.acquire()
    pool.close()
    expect(await codeOf(waiting)).toBe('ABORTED')
    expect(await codeOf(pool.acquire())).toBe('ABORTED')
    held.release()
  })
})
