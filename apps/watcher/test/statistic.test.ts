import { describe, expect, it } from 'vitest'
import { binomialCdf, compareAnswer, decideVerdict, splitWords } from '../src/statistic.js'

const parameters = {
  honestAgreement: 0.9,
  substituteAgreement: 0.5,
  alpha: 0.05,
  prefixAgreement: 0.5,
}

describe('compareAnswer', () => {
  it('splits into words and punctuation, whatever the whitespace or stream chunking', () => {
    expect(splitWords('Paris, the  capital\nof France.')).toEqual([
      'Paris',
      ',',
      'the',
      'capital',
      'of',
      'France',
      '.',
    ])
  })

  it('an identical answer agrees fully', () => {
    expect(compareAnswer('The sky is blue.', 'The sky is blue.', parameters)).toMatchObject({
      firstDivergence: 5,
      agreement: 1,
      agrees: true,
    })
  })

  it('a late divergence (a near-tie on another machine) still agrees', () => {
    const c = compareAnswer('one two three four five six', 'one two three four seven', parameters)
    expect(c).toMatchObject({ firstDivergence: 4, agrees: true })
  })

  it('an early divergence disagrees', () => {
    const c = compareAnswer('one two three four five six', 'one nine', parameters)
    expect(c).toMatchObject({ firstDivergence: 1, agrees: false })
  })

  it('an empty answer to a non-empty reference disagrees; two empty answers agree', () => {
    expect(compareAnswer('text', '', parameters).agrees).toBe(false)
    expect(compareAnswer('', '', parameters).agrees).toBe(true)
  })
})

describe('decideVerdict', () => {
  it('binomialCdf matches closed forms', () => {
    expect(binomialCdf(0, 3, 0.5)).toBeCloseTo(0.125)
    expect(binomialCdf(2, 3, 0.5)).toBeCloseTo(0.875)
    expect(binomialCdf(3, 3, 0.5)).toBe(1)
    expect(binomialCdf(-1, 3, 0.5)).toBe(0)
  })

  it('eight agreeing challenges of eight are a match', () => {
    const v = decideVerdict(Array(8).fill(true), parameters)
    expect(v).toMatchObject({ verdict: 'match', samples: 8, agreed: 8 })
    expect(v.confidence).toBeCloseTo(1 - 0.5 ** 8, 5)
  })

  it('one agreeing of eight is a mismatch', () => {
    const v = decideVerdict([true, ...Array(7).fill(false)], parameters)
    expect(v.verdict).toBe('mismatch')
    expect(v.confidence).toBeGreaterThan(0.999)
  })

  it('too few challenges are inconclusive, never a verdict', () => {
    expect(decideVerdict([true, true], parameters).verdict).toBe('inconclusive')
    expect(decideVerdict([false], parameters).verdict).toBe('inconclusive')
    expect(decideVerdict([], parameters)).toMatchObject({ verdict: 'inconclusive', samples: 0 })
  })

  it('a supplier between the hypotheses on a large sample is a mismatch (it agrees less than honest ones)', () => {
    const agrees = Array.from({ length: 200 }, (_, i) => i % 10 < 7)
    expect(decideVerdict(agrees, parameters).verdict).toBe('mismatch')
  })
})
