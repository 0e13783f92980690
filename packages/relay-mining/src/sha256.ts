// SHA-256 (FIPS 180-4) specialised for the trie's hot path: one-shot hashing of a byte range
// straight into a caller's buffer, with no per-call allocation. The trie hashes hundreds of
// thousands of small node preimages per second; the general-purpose hasher spends most of its
// time creating and finalizing hasher objects for them. Checked against @noble/hashes in tests.

// Int32Array rather than Uint32Array: V8 keeps int32 values unboxed, while uint32 values of
// 2^31 and above become doubles.
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

/** The message schedule; `compress` expects the block's 16 words in its first 16 entries. */
const W = new Int32Array(64)
const H = new Int32Array(8)

/** Writes sha256(data[0..len)) into `out[offset..offset+32)`. */
export function sha256Into(data: Uint8Array, len: number, out: Uint8Array, offset: number): void {
  H[0] = 0x6a09e667
  H[1] = 0xbb67ae85
  H[2] = 0x3c6ef372
  H[3] = 0xa54ff53a
  H[4] = 0x510e527f
  H[5] = 0x9b05688c
  H[6] = 0x1f83d9ab
  H[7] = 0x5be0cd19
  const w = W
  const full = len - (len % 64)
  for (let p = 0; p < full; p += 64) {
    for (let i = 0; i < 16; i++) w[i] = readWord(data, p + 4 * i)
    compress()
  }
  // The last block or two are built as words straight from `data`: the remaining bytes, 0x80,
  // zeros, and the bit length, with no copy into a padded buffer.
  const rest = len - full
  const whole = rest >> 2
  for (let i = 0; i < whole; i++) w[i] = readWord(data, full + 4 * i)
  let last = 0x80 << (24 - 8 * (rest & 3))
  for (let i = 4 * whole; i < rest; i++) last |= (data[full + i] as number) << (24 - 8 * (i & 3))
  w[whole] = last
  for (let i = whole + 1; i < 16; i++) w[i] = 0
  if (rest >= 56) {
    // No room for the length: it goes in a block of its own.
    compress()
    for (let i = 0; i < 14; i++) w[i] = 0
  }
  // Bit length as a 64-bit big-endian integer (inputs here are far below 2^53 bits).
  w[14] = Math.floor(len / 2 ** 29)
  w[15] = len * 8
  compress()
  for (let i = 0; i < 8; i++) {
    const h = H[i] as number
    const o = offset + 4 * i
    out[o] = h >>> 24
    out[o + 1] = (h >>> 16) & 0xff
    out[o + 2] = (h >>> 8) & 0xff
    out[o + 3] = h & 0xff
  }
}

function readWord(data: Uint8Array, o: number): number {
  return (
    ((data[o] as number) << 24) |
    ((data[o + 1] as number) << 16) |
    ((data[o + 2] as number) << 8) |
    (data[o + 3] as number)
  )
}

/** One SHA-256 compression of the block in `W[0..16)` into `H`. */
function compress(): void {
  // Local aliases: V8 re-reads module-level bindings on every use inside the loops.
  const w = W
  const k = K
  for (let i = 16; i < 64; i++) {
    const w15 = w[i - 15] as number
    const w2 = w[i - 2] as number
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10)
    w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) | 0
  }
  let a = H[0] as number
  let b = H[1] as number
  let c = H[2] as number
  let d = H[3] as number
  let e = H[4] as number
  let f = H[5] as number
  let g = H[6] as number
  let h = H[7] as number
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
    const ch = g ^ (e & (f ^ g))
    const t1 = (h + S1 + ch + (k[i] as number) + (w[i] as number)) | 0
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
    const maj = (a & b) | (c & (a | b))
    const t2 = (S0 + maj) | 0
    h = g
    g = f
    f = e
    e = (d + t1) | 0
    d = c
    c = b
    b = a
    a = (t1 + t2) | 0
  }
  H[0] = ((H[0] as number) + a) | 0
  H[1] = ((H[1] as number) + b) | 0
  H[2] = ((H[2] as number) + c) | 0
  H[3] = ((H[3] as number) + d) | 0
  H[4] = ((H[4] as number) + e) | 0
  H[5] = ((H[5] as number) + f) | 0
  H[6] = ((H[6] as number) + g) | 0
  H[7] = ((H[7] as number) + h) | 0
}

/** sha256 of `data` as a new 32-byte array. */
export function sha256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32)
  sha256Into(data, data.length, out, 0)
  return out
}
