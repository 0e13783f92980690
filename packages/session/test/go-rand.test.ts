import { describe, expect, it } from 'vitest'
import { createGoRand, readGoVarint, seededFloat64, seededInt63 } from '../src/go-compat.js'
import { isSessionError } from '../src/index.js'
import { hex, loadVectors } from './vectors.js'

interface GoRandCase {
  seed: string
  ops: string
}

interface SeededRandVectors {
  varint: { input: string; value: string; n: number }[]
  seeded: { input: string; float64: string; int63: string }[]
}

describe('Go math/rand port', () => {
  it('replays Go value streams for every method', () => {
    const cases = loadVectors<GoRandCase[]>('go-rand')
    expect(cases.length).toBeGreaterThanOrEqual(1500)
    let checked = 0
    for (const c of cases) {
      const rng = createGoRand(BigInt(c.seed))
      for (const op of c.ops.split(' ')) {
        const [call, want] = op.split('=') as [string, string | undefined]
        const [name, arg] = call.split(':') as [string, string | undefined]
        let got: string
        switch (name) {
          case 'skip':
            for (let i = 0; i < Number(arg); i++) rng.int63()
            continue
          case 'uint64':
            got = String(rng.uint64())
            break
          case 'int63':
            got = String(rng.int63())
            break
          case 'int31':
            got = String(rng.int31())
            break
          case 'uint32':
            got = String(rng.uint32())
            break
          case 'int63n':
            got = String(rng.int63n(BigInt(arg!)))
            break
          case 'int31n':
            got = String(rng.int31n(Number(arg)))
            break
          case 'intn':
            got = String(rng.intn(BigInt(arg!)))
            break
          case 'float64':
            got = String(rng.float64())
            if (Number(got) !== Number(want)) expect({ seed: c.seed, op, got }).toBeUndefined()
            checked++
            continue
          case 'float32':
            got = String(rng.float32())
            if (Math.fround(Number(want)) !== Number(got))
              expect({ seed: c.seed, op, got }).toBeUndefined()
            checked++
            continue
          default:
            throw new Error(`unknown op ${name}`)
        }
        if (got !== want) expect({ seed: c.seed, op, got }).toBeUndefined()
        checked++
      }
    }
    expect(checked).toBeGreaterThan(10_000)
  })

  it('rejects non-positive bounds with INVALID_ARGUMENT', () => {
    const rng = createGoRand(1n)
    for (const call of [() => rng.int63n(0n), () => rng.int31n(-1), () => rng.intn(0n)]) {
      let caught: unknown
      try {
        call()
      } catch (e) {
        caught = e
      }
      expect(isSessionError(caught) && caught.code).toBe('INVALID_ARGUMENT')
    }
  })
})

describe('seeded values', () => {
  const { varint, seeded } = loadVectors<SeededRandVectors>('seeded-rand')

  it('decodes varints exactly like encoding/binary, overflow included', () => {
    for (const c of varint) {
      const { value, length } = readGoVarint(hex(c.input))
      if (value !== BigInt(c.value) || length !== c.n)
        expect({ value: String(value), length }).toEqual({ value: c.value, length: c.n })
    }
  })

  it('matches SeededFloat64 and SeededInt63', () => {
    for (const c of seeded) {
      const input = hex(c.input)
      expect(seededFloat64(input)).toBe(Number(c.float64))
      expect(String(seededInt63(input))).toBe(c.int63)
    }
    expect(seeded.length).toBeGreaterThanOrEqual(2000)
  })

  it('joins its parts before hashing', () => {
    expect(seededFloat64(Uint8Array.of(1, 2), Uint8Array.of(3))).toBe(
      seededFloat64(Uint8Array.of(1, 2, 3)),
    )
  })
})
