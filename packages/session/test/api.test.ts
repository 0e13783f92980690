import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as goCompat from '../src/go-compat.js'
import * as session from '../src/index.js'

describe('public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(session).sort()).toMatchSnapshot()
  })

  it('keeps the Go plumbing out of the main entry, on `./go-compat`', () => {
    expect(Object.keys(goCompat).sort()).toMatchInlineSnapshot(`
      [
        "canonicalHeaderKey",
        "createGoRand",
        "readGoVarint",
        "seededFloat64",
        "seededInt63",
      ]
    `)
    for (const name of Object.keys(goCompat)) expect(session).not.toHaveProperty(name)
  })

  it('has a test that expects every error code', () => {
    const dir = new URL('.', import.meta.url)
    const text = readdirSync(dir)
      .filter((f) => f.endsWith('.test.ts') && f !== 'api.test.ts')
      .map((f) => readFileSync(new URL(f, dir), 'utf8'))
      .join('\n')
    const untested = Object.values(session.SessionErrorCode).filter(
      (code) => !text.includes(`'${code}'`),
    )
    expect(untested).toEqual([])
  })

  it('recognizes its errors by shape', () => {
    const error = new session.SessionError('INVALID_PARAMS', 'Bad params.', { details: 'n = 0' })
    expect(session.isSessionError(error)).toBe(true)
    // A second loaded copy of the package throws its own class: same shape, other prototype.
    const foreign = (code: string) =>
      Object.assign(new Error('x'), { name: 'SessionError', code, shortMessage: 'x' })
    expect(session.isSessionError(foreign('INVALID_PARAMS'))).toBe(true)
    expect(session.isSessionError(foreign('NOPE'))).toBe(false)
    expect(session.isSessionError(new Error('x'))).toBe(false)
    expect(error.shortMessage).toBe('Bad params.')
    expect(error.details).toBe('n = 0')
    expect(error.docsUrl).toMatch(/packages\/session\/README\.md#errors$/)
    expect(error.message).toBe(`Bad params.\n\nDetails: n = 0\nDocs: ${error.docsUrl}`)
  })
})
