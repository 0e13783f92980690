import { ChainError } from './errors.js'

/** A block height as the `number` cosmjs's RPC client takes, refusing what it cannot hold. */
export function toSafeHeight(height: bigint): number {
  if (height < 0n || height > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ChainError('INVALID_ARGUMENT', `Height ${height} is out of range.`)
  }
  return Number(height)
}

/** Checks a caller's height argument (a positive integer). */
export function parseHeight(height: bigint | number, what = 'height'): bigint {
  if (typeof height === 'number' && !Number.isSafeInteger(height)) {
    throw new ChainError('INVALID_ARGUMENT', `The ${what} must be an integer.`, {
      details: String(height),
    })
  }
  const value = BigInt(height)
  if (value < 1n) {
    throw new ChainError('INVALID_ARGUMENT', `The ${what} must be at least 1.`, {
      details: String(height),
    })
  }
  return value
}
