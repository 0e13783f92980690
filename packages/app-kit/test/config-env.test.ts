import { describe, expect, it } from 'vitest'
import { expandEnvVariables } from '../src/config-env.js'

// Config text, not template strings.
const ref = (name: string) => `$${'{'}${name}}`

describe('expandEnvVariables', () => {
  it('replaces $-references in nested strings and leaves other values alone', () => {
    const out = expandEnvVariables(
      { a: `key ${ref('K')}`, b: [ref('K') + ref('K'), 3, null], c: { d: true } },
      { K: 'x' },
      () => new Error('missing'),
    )
    expect(out).toEqual({ a: 'key x', b: ['xx', 3, null], c: { d: true } })
  })

  it('an unset variable is the caller’s error', () => {
    expect(() => expandEnvVariables(ref('NOPE'), {}, (name) => new Error(`unset ${name}`))).toThrow(
      'unset NOPE',
    )
  })
})
