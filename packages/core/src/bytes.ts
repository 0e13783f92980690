/**
 * Byte equality in time that depends only on the lengths, so comparing a secret-derived value
 * (a MAC, a signature, a key) leaks nothing about where it first differs.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= (a[i] as number) ^ (b[i] as number)
  return difference === 0
}
