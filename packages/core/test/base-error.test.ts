import { describe, expect, it } from 'vitest'
import {
  BaseError,
  createErrorGuard,
  describeError,
  docsBaseUrl,
  isBaseError,
} from '../src/index.js'

const codes = { BAD_THING: 'BAD_THING', WORSE_THING: 'WORSE_THING' } as const
type Code = (typeof codes)[keyof typeof codes]

class ExampleError extends BaseError<Code> {
  override readonly name = 'ExampleError'
  constructor(
    code: Code,
    shortMessage: string,
    parameters: { details?: string; cause?: unknown } = {},
  ) {
    super(code, shortMessage, { ...parameters, docsPath: 'packages/example/README.md#errors' })
  }
}
const isExampleError = createErrorGuard<ExampleError>('ExampleError')

describe('BaseError', () => {
  it('keeps code, short message, details and docs apart, and joins them in the message', () => {
    const error = new ExampleError(codes.BAD_THING, 'Bad thing.', { details: 'n = 0' })
    expect(error.code).toBe('BAD_THING')
    expect(error.shortMessage).toBe('Bad thing.')
    expect(error.details).toBe('n = 0')
    expect(error.docsUrl).toBe(`${docsBaseUrl}packages/example/README.md#errors`)
    expect(error.message).toBe(
      `Bad thing.\n\nDetails: n = 0\nDocs: ${docsBaseUrl}packages/example/README.md#errors`,
    )
    expect(error.name).toBe('ExampleError')
    expect(error).toBeInstanceOf(Error)
  })

  it('is just the short message when there is nothing else to say', () => {
    const error = new BaseError('PLAIN', 'Plain.')
    expect(error.message).toBe('Plain.')
    expect(error.details).toBeUndefined()
    expect(error.docsUrl).toBeUndefined()
  })

  it('takes details from the cause when none are given', () => {
    const inner = new ExampleError(codes.BAD_THING, 'Inner.', { details: 'offset 7' })
    expect(new ExampleError(codes.WORSE_THING, 'Outer.', { cause: inner }).details).toBe('offset 7')
    expect(new BaseError('X', 'Outer.', { cause: new TypeError('not a number') }).details).toBe(
      'not a number',
    )
    expect(new BaseError('X', 'Outer.', { cause: 'a string' }).details).toBe('a string')
    expect(new BaseError('X', 'Outer.', { cause: undefined }).details).toBeUndefined()
  })

  it('walks the cause chain to the deepest error or the first match', () => {
    const root = new RangeError('root')
    const middle = new ExampleError(codes.BAD_THING, 'Middle.', { cause: root })
    const top = new ExampleError(codes.WORSE_THING, 'Top.', { cause: middle })
    expect(top.walk()).toBe(root)
    expect(top.walk((e) => isExampleError(e) && e.code === 'BAD_THING')).toBe(middle)
    expect(top.walk((e) => e instanceof RangeError)).toBe(root)
    expect(top.walk((e) => e instanceof SyntaxError)).toBeNull()
  })

  it('stops walking at a cycle', () => {
    const a = new BaseError('A', 'A.')
    const b = new BaseError('B', 'B.', { cause: a })
    Object.defineProperty(a, 'cause', { value: b })
    expect(b.walk()).toBe(a)
  })

  it('guards by shape, so a second copy of a package is still recognised', () => {
    const foreign = Object.assign(new Error('x'), {
      name: 'ExampleError',
      code: 'BAD_THING',
      shortMessage: 'x',
    })
    expect(isExampleError(foreign)).toBe(true)
    expect(isBaseError(foreign)).toBe(true)
    expect(isExampleError(new BaseError('BAD_THING', 'x'))).toBe(false)
    expect(isExampleError(new Error('x'))).toBe(false)
    expect(isBaseError({ code: 'X', shortMessage: 'x' })).toBe(false)
  })
})

describe('describeError', () => {
  it('gives the short message and details, never the docs link', () => {
    const error = new ExampleError(codes.BAD_THING, 'Bad thing.', { details: 'n = 0' })
    expect(describeError(error)).toBe('Bad thing. n = 0')
    expect(describeError(new ExampleError(codes.BAD_THING, 'Bad thing.'))).toBe('Bad thing.')
    expect(describeError(new TypeError('not a number'))).toBe('not a number')
    expect(describeError('plain')).toBe('plain')
  })
})
