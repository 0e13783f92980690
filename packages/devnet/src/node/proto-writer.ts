// Hand encoding of the few small CometBFT protos that block hashes cover.

export class ProtoWriter {
  private readonly bytes: number[] = []

  private varint(value: bigint): void {
    let v = BigInt.asUintN(64, value)
    while (v >= 0x80n) {
      this.bytes.push(Number((v & 0x7fn) | 0x80n))
      v >>= 7n
    }
    this.bytes.push(Number(v))
  }

  /** A varint field, omitted at zero (proto3). */
  uint(field: number, value: bigint | number): this {
    const v = BigInt(value)
    if (v === 0n) return this
    this.varint(BigInt((field << 3) | 0))
    this.varint(v)
    return this
  }

  /** A length-delimited field, omitted when empty unless `always`. */
  bytesField(field: number, value: Uint8Array, always = false): this {
    if (value.length === 0 && !always) return this
    this.varint(BigInt((field << 3) | 2))
    this.varint(BigInt(value.length))
    for (const b of value) this.bytes.push(b)
    return this
  }

  string(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value))
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes)
  }
}
