import { readU64 } from './bytes.js'
import { SmstError } from './errors.js'

/**
 * The total weight (compute units) recorded in a sum root, as `MerkleSumRoot.Sum` reads it;
 * the chain takes a claim's compute units from here.
 */
export function getRootSum(root: Uint8Array): bigint {
  assertSumRoot(root)
  return readU64(root, root.length - 16)
}

/** The number of leaves (mined relays) recorded in a sum root (`MerkleSumRoot.Count`). */
export function getRootCount(root: Uint8Array): bigint {
  assertSumRoot(root)
  return readU64(root, root.length - 8)
}

/** smt accepts any root whose digest part (all but the last 16 bytes) is a power of two long. */
function assertSumRoot(root: Uint8Array): void {
  const digestSize = root instanceof Uint8Array ? root.length - 16 : 0
  if (digestSize <= 0 || (digestSize & (digestSize - 1)) !== 0)
    throw new SmstError('INVALID_ROOT', 'Not a sum root.', {
      details: `length ${root instanceof Uint8Array ? root.length : typeof root}`,
    })
}
