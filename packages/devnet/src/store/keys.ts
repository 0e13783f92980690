// Store keys are byte strings held as JavaScript strings with one char per byte (0-255), so
// that Map lookups are cheap and string comparison is Go's bytewise key order.

const latin1 = new TextDecoder('latin1')
const utf8 = new TextEncoder()

/** A key from bytes. */
export function bytesToKey(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i]!)
  return out
}

/** The bytes of a key. */
export function keyToBytes(key: string): Uint8Array {
  const out = new Uint8Array(key.length)
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i)
  return out
}

/** A key part from UTF-8 text (service IDs and addresses are ASCII, but be exact). */
export function textKey(text: string): string {
  return bytesToKey(utf8.encode(text))
}

/** A key part back to UTF-8 text. */
export function keyText(key: string): string {
  return new TextDecoder().decode(keyToBytes(key))
}

/** Eight big-endian bytes of a uint64 (a negative int64 wraps, as Go's uint64 cast does). */
export function be64(value: bigint | number): string {
  let v = BigInt.asUintN(64, BigInt(value))
  const chars = new Array<string>(8)
  for (let i = 7; i >= 0; i--) {
    chars[i] = String.fromCharCode(Number(v & 0xffn))
    v >>= 8n
  }
  return chars.join('')
}

/** The smallest key greater than every key starting with `prefix` (or undefined: no bound). */
export function prefixEnd(prefix: string): string | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i)
    if (c < 0xff) return prefix.slice(0, i) + String.fromCharCode(c + 1)
  }
  return undefined
}

export { latin1 as latin1Decoder }
