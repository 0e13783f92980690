import { describe, expect, it } from 'vitest'
import { createSequenceManager } from '../src/index.js'

describe('the sequence manager', () => {
  it('runs tasks one at a time, in call order, with consecutive sequences', async () => {
    let fetches = 0
    const manager = createSequenceManager({
      fetchAccount: async () => {
        fetches++
        return { accountNumber: 5n, sequence: 10n }
      },
    })
    const running: number[] = []
    let concurrent = 0
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        manager.run(async (slot) => {
          concurrent++
          expect(concurrent).toBe(1)
          await new Promise((r) => setTimeout(r, 8 - i))
          running.push(i)
          concurrent--
          return { value: slot.sequence, usedSequence: slot.sequence }
        }),
      ),
    )
    expect(running).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(results).toEqual([10n, 11n, 12n, 13n, 14n, 15n, 16n, 17n])
    expect(fetches).toBe(1)
    expect(manager.peek()).toEqual({ accountNumber: 5n, sequence: 18n })
  })

  it('keeps the sequence after a refusal that did not use it, refetches after anything else', async () => {
    let chainSequence = 3n
    const manager = createSequenceManager({
      fetchAccount: async () => ({ accountNumber: 1n, sequence: chainSequence }),
      keepsSequence: (e) => (e as Error).message === 'refused',
    })
    await manager.run(async (slot) => ({ value: 0, usedSequence: slot.sequence }))
    await expect(manager.run(async () => Promise.reject(new Error('refused')))).rejects.toThrow()
    expect(manager.peek()?.sequence).toBe(4n)
    await expect(manager.run(async () => Promise.reject(new Error('lost')))).rejects.toThrow()
    expect(manager.peek()).toBeUndefined()
    chainSequence = 9n
    const used = await manager.run(async (slot) => ({
      value: slot.sequence,
      usedSequence: slot.sequence,
    }))
    expect(used).toBe(9n)
  })

  it('prefers the sequence the node says it expects when resynchronising', async () => {
    const manager = createSequenceManager({
      fetchAccount: async () => ({ accountNumber: 1n, sequence: 2n }),
    })
    const used = await manager.run(async (slot, resync) => {
      expect(slot.sequence).toBe(2n)
      const fresh = await resync(6n)
      return { value: fresh.sequence, usedSequence: fresh.sequence }
    })
    expect(used).toBe(6n)
    expect(manager.peek()?.sequence).toBe(7n)
  })
})
