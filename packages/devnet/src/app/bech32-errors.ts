// Why Go rejects an address, in Go's words. poktroll and the SDK put the text of
// `sdk.AccAddressFromBech32` (or of the address codec) into their error logs, so the devnet
// derives the same text: the checks of cosmos/btcutil's bech32 decoder in its order (length,
// characters, case, separator, charset, checksum with the expected one, bit groups), then the
// prefix and the SDK's address format check.

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
/** `DecodeAndConvert`'s length limit. */
const LIMIT = 1023
/** `address.MaxAddrLen`. */
const MAX_ADDRESS_BYTES = 255

/** `sdk.AccAddressFromBech32(address)`'s error text, or undefined for a valid address. */
export function accAddressError(address: string, prefix = 'pokt'): string | undefined {
  if (address.trim() === '') return 'empty address string is not allowed'
  const decoded = decodeAndConvert(address)
  if (typeof decoded === 'string') return decoded
  if (decoded.hrp !== prefix) return `invalid Bech32 prefix; expected ${prefix}, got ${decoded.hrp}`
  return addressFormatError(decoded.bytes)
}

/** The address codec's `StringToBytes(address)` error text (what the SDK's queries use). */
export function addressCodecError(address: string, prefix = 'pokt'): string | undefined {
  if (address.trim() === '') return 'empty address string is not allowed'
  const decoded = decodeAndConvert(address)
  if (typeof decoded === 'string') return decoded
  if (decoded.hrp !== prefix) {
    return `hrp does not match bech32 prefix: expected '${prefix}' got '${decoded.hrp}': internal logic error`
  }
  return addressFormatError(decoded.bytes)
}

function addressFormatError(bytes: number[]): string | undefined {
  if (bytes.length === 0) return 'addresses cannot be empty: unknown address'
  if (bytes.length > MAX_ADDRESS_BYTES) {
    return `address max length is ${MAX_ADDRESS_BYTES}, got ${bytes.length}: unknown address`
  }
  return undefined
}

/** `bech32.DecodeAndConvert`: the HRP and 8-bit data, or the error text. */
function decodeAndConvert(text: string): { hrp: string; bytes: number[] } | string {
  // Go indexes strings by byte.
  let bech = Array.from(new TextEncoder().encode(text), (b) => String.fromCharCode(b)).join('')
  const fail = (reason: string) => `decoding bech32 failed: ${reason}`
  if (bech.length > LIMIT || bech.length < 8)
    return fail(`invalid bech32 string length ${bech.length}`)
  let lower = false
  let upper = false
  for (const c of bech) {
    const code = c.charCodeAt(0)
    if (code < 33 || code > 126) return fail(`invalid character in string: '${c}'`)
    lower ||= code >= 97 && code <= 122
    upper ||= code >= 65 && code <= 90
    if (lower && upper) return fail('string not all lowercase or all uppercase')
  }
  if (upper) bech = bech.toLowerCase()
  const one = bech.lastIndexOf('1')
  if (one < 1 || one + 7 > bech.length) return fail(`invalid separator index ${one}`)
  const hrp = bech.slice(0, one)
  const values: number[] = []
  for (const c of bech.slice(one + 1)) {
    const index = CHARSET.indexOf(c)
    if (index < 0) return fail(`invalid character not part of charset: ${c.charCodeAt(0)}`)
    values.push(index)
  }
  const data = values.slice(0, -6)
  const checksum = values.slice(-6)
  if (polymod(hrp, [...data, ...checksum]) !== 1) {
    const expected = polymod(hrp, [...data, 0, 0, 0, 0, 0, 0]) ^ 1
    const chars = Array.from({ length: 6 }, (_, i) => CHARSET[(expected >>> (5 * (5 - i))) & 31])
    return fail(`invalid checksum (expected ${chars.join('')} got ${bech.slice(-6)})`)
  }
  const bytes = convertBits(data)
  return bytes === undefined ? fail('invalid incomplete group') : { hrp, bytes }
}

function polymod(hrp: string, values: number[]): number {
  let chk = 1
  const step = (value: number) => {
    const top = chk >>> 25
    chk = (((chk & 0x1ffffff) << 5) ^ value) >>> 0
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ GENERATOR[i]!) >>> 0
  }
  for (const c of hrp) step(c.charCodeAt(0) >>> 5)
  step(0)
  for (const c of hrp) step(c.charCodeAt(0) & 31)
  for (const v of values) step(v)
  return chk
}

/** `ConvertBits(data, 5, 8, false)`; undefined for an invalid incomplete group. */
function convertBits(data: number[]): number[] | undefined {
  const out: number[] = []
  let acc = 0
  let bits = 0
  for (const value of data) {
    acc = ((acc << 5) | value) & 0xfff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out.push((acc >>> bits) & 0xff)
    }
  }
  if (bits > 0 && (bits > 4 || (acc & ((1 << bits) - 1)) !== 0)) return undefined
  return out
}
