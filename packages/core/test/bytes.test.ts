import { expect, it } from 'vitest'
import { equalBytes } from '../src/index.js'

it('compares bytes by value and length', () => {
  expect(equalBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true)
  expect(equalBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false)
  expect(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false)
  expect(equalBytes(new Uint8Array(), new Uint8Array())).toBe(true)
  const buffer = new Uint8Array([9, 1, 2, 9])
  expect(equalBytes(buffer.subarray(1, 3), new Uint8Array([1, 2]))).toBe(true)
})
