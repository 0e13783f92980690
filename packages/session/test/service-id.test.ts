import { describe, expect, it } from 'vitest'
import { assertServiceId, isSessionError, isValidServiceId } from '../src/index.js'

// The cases of poktroll's x/shared service ID test, plus the boundaries around 42 bytes.
const cases: [string, boolean][] = [
  ['Hello-1', true],
  ['Hello_2', true],
  ['HELLO', true],
  ['12345678', true],
  ['a'.repeat(42), true],
  ['a'.repeat(43), false],
  ['Hello@', false],
  ['Hello.World', false],
  ['no spaces', false],
  ['', false],
]

const detailsOf = (serviceId: string): string | undefined => {
  try {
    assertServiceId(serviceId)
  } catch (e) {
    if (isSessionError(e) && e.code === 'INVALID_SERVICE_ID') return e.details
    throw e
  }
  return undefined
}

describe('service IDs', () => {
  it('accepts what the chain accepts', () => {
    for (const [id, valid] of cases) {
      expect([id, isValidServiceId(id)]).toEqual([id, valid])
      expect([id, detailsOf(id) === undefined]).toEqual([id, valid])
    }
  })

  it("gives the chain's reason for each rejection", () => {
    expect(detailsOf('')).toBe('empty service ID')
    expect(detailsOf('a'.repeat(43))).toBe(
      `service ID '${'a'.repeat(43)}' exceeds maximum length: 42`,
    )
    expect(detailsOf('Hello@')).toBe("service ID 'Hello@' contains invalid characters")
    // Go counts bytes: 22 two-byte characters are too long before they are invalid.
    expect(detailsOf('é'.repeat(22))).toBe(
      `service ID '${'é'.repeat(22)}' exceeds maximum length: 42`,
    )
    expect(detailsOf('é')).toBe("service ID 'é' contains invalid characters")
  })

  it('rejects what is not a string', () => {
    expect(isValidServiceId(42 as unknown as string)).toBe(false)
    expect(detailsOf(undefined as unknown as string)).toBe('service ID is not a string')
  })
})
