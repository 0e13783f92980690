// JSON with bigints ("123n" never appears: they travel as {"$n":"123"}) and byte arrays
// ({"$b":"base64"}), for what the chain store keeps as text.

export function toStoredJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (typeof v === 'bigint') return { $n: v.toString() }
    if (v instanceof Uint8Array) return { $b: Buffer.from(v).toString('base64') }
    return v
  })
}

export function fromStoredJson<T>(text: string): T {
  return JSON.parse(text, (_key, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v)
      if (keys.length === 1 && keys[0] === '$n') return BigInt(v.$n)
      if (keys.length === 1 && keys[0] === '$b') return new Uint8Array(Buffer.from(v.$b, 'base64'))
    }
    return v
  }) as T
}
