import { describe, expect, it } from 'vitest'
import { createLogger } from '../src/index.js'

function capture() {
  const lines: string[] = []
  return {
    lines,
    write: (line: string) => lines.push(line),
    parsed: () => lines.map((l) => JSON.parse(l)),
  }
}

describe('createLogger', () => {
  it('writes one JSON object per line: time, level, msg and fields', () => {
    const out = capture()
    const logger = createLogger({ write: out.write, fields: { app: 'test' } })
    logger.info('request', { status: 200, key: 'k1' })
    expect(out.lines).toHaveLength(1)
    expect(out.lines[0]).not.toContain('\n')
    const [line] = out.parsed()
    expect(line).toMatchObject({
      level: 'info',
      msg: 'request',
      app: 'test',
      status: 200,
      key: 'k1',
    })
    expect(new Date(line.time).toISOString()).toBe(line.time)
    expect(line).not.toHaveProperty('pid')
    expect(line).not.toHaveProperty('hostname')
  })

  it('drops lines below the level, and everything when silent', () => {
    const out = capture()
    const logger = createLogger({ level: 'warn', write: out.write })
    logger.debug('a')
    logger.info('b')
    logger.warn('c')
    logger.error('d')
    expect(out.parsed().map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'c'],
      ['error', 'd'],
    ])
    const silent = capture()
    createLogger({ level: 'silent', write: silent.write }).error('x')
    expect(silent.lines).toEqual([])
  })

  it('prints bigints as strings, bytes as hex and errors as name, code and message', () => {
    const out = capture()
    const error = Object.assign(new Error('boom'), { code: 'STORE_FAILED' })
    createLogger({ write: out.write })
      .child({ height: 12n, key: Uint8Array.of(0xab, 0x01) })
      .error('failed', { error, nested: { amount: 5n, list: [1n] } })
    expect(out.parsed()[0]).toMatchObject({
      height: '12',
      key: 'ab01',
      error: { name: 'Error', code: 'STORE_FAILED', message: 'boom' },
      nested: { amount: '5', list: ['1'] },
    })
  })

  it('gives errors on error lines their stack and cause chain, and only there', () => {
    const out = capture()
    const root = new RangeError('Maximum call stack size exceeded')
    const error = Object.assign(new Error('Internal server error.', { cause: root }), {
      code: 'INTERNAL',
    })
    const logger = createLogger({ write: out.write })
    logger.error('unhandled', { error })
    logger.warn('handled', { error })
    const [errorLine, warnLine] = out.parsed() as { error: Record<string, unknown> }[]
    expect(errorLine!.error).toMatchObject({
      name: 'Error',
      code: 'INTERNAL',
      message: 'Internal server error.',
      cause: { name: 'RangeError', message: 'Maximum call stack size exceeded' },
    })
    expect(errorLine!.error['stack']).toMatch(/^Error: Internal server error\.\n\s+at /)
    expect((errorLine!.error['cause'] as Record<string, unknown>)['stack']).toMatch(/^RangeError/)
    expect(warnLine!.error).toEqual({
      name: 'Error',
      code: 'INTERNAL',
      message: 'Internal server error.',
    })
  })

  it('children add their fields to every line', () => {
    const out = capture()
    const child = createLogger({ write: out.write }).child({ service: 'llm' }).child({ a: 1 })
    child.info('x', { b: 2 })
    expect(out.parsed()[0]).toMatchObject({ service: 'llm', a: 1, b: 2, msg: 'x' })
  })
})
