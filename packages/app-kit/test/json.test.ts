import { describe, expect, it } from 'vitest'
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../src/json.js'

const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth)

describe('exceedsJsonDepth', () => {
  it('counts arrays and objects, up to and past the limit', () => {
    expect(exceedsJsonDepth(nested(MAX_JSON_DEPTH))).toBe(false)
    expect(exceedsJsonDepth(nested(MAX_JSON_DEPTH + 1))).toBe(true)
    expect(exceedsJsonDepth(`${'{"a":'.repeat(3)}1${'}'.repeat(3)}`, 3)).toBe(false)
    expect(exceedsJsonDepth(`${'{"a":'.repeat(4)}1${'}'.repeat(4)}`, 3)).toBe(true)
    expect(exceedsJsonDepth('[{"a":[{}]}]', 4)).toBe(false)
    expect(exceedsJsonDepth('[{"a":[{}]}]', 3)).toBe(true)
  })

  it('measures depth, not the number of brackets', () => {
    expect(exceedsJsonDepth(`[${'[],'.repeat(10_000)}[]]`, 2)).toBe(false)
  })

  it('skips brackets inside strings, escaped quotes included', () => {
    expect(exceedsJsonDepth(JSON.stringify({ s: '[[[[{{{{' }), 1)).toBe(false)
    expect(exceedsJsonDepth(JSON.stringify({ s: 'say \\"[[[[\\"' }), 1)).toBe(false)
    expect(exceedsJsonDepth(JSON.stringify({ s: 'a\\', t: [[[]]] }), 3)).toBe(true)
  })

  it('runs without recursion on a body far deeper than the stack allows', () => {
    const deep = nested(1_000_000)
    expect(() => JSON.stringify(JSON.parse(nested(20_000)))).toThrow(RangeError)
    expect(exceedsJsonDepth(deep)).toBe(true)
  })
})
