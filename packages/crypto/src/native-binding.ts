// The slice of the `secp256k1` npm package (N-API bindings to libsecp256k1) this package calls,
// and what loading it reports. Types only: the loader that really requires the addon is Node-only
// (native-loader.ts) and bundlers for browsers get native-loader.browser.ts instead.

/** The functions of `secp256k1/bindings` used here (secp256k1-node v5's API). */
export type Secp256k1Binding = {
  contextRandomize(seed: Uint8Array | null): void
  privateKeyVerify(privateKey: Uint8Array): boolean
  publicKeyVerify(publicKey: Uint8Array): boolean
  publicKeyCreate(privateKey: Uint8Array, compressed?: boolean): Uint8Array
  publicKeyConvert(publicKey: Uint8Array, compressed?: boolean): Uint8Array
  publicKeyCombine(publicKeys: Uint8Array[], compressed?: boolean): Uint8Array
  publicKeyTweakMul(publicKey: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array
  ecdsaSign(
    message: Uint8Array,
    privateKey: Uint8Array,
    options?: Record<string, never>,
    output?: Uint8Array,
  ): { signature: Uint8Array; recid: number }
  ecdsaVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean
  ecdsaRecover(
    signature: Uint8Array,
    recid: number,
    message: Uint8Array,
    compressed?: boolean,
  ): Uint8Array
  ecdh(
    publicKey: Uint8Array,
    privateKey: Uint8Array,
    options: {
      hashfn: (x: Uint8Array, y: Uint8Array) => Uint8Array
      xbuf?: Uint8Array
      ybuf?: Uint8Array
    },
    output: Uint8Array,
  ): Uint8Array
}

/** The addon, or why it could not be loaded. */
export type NativeLoad = { binding: Secp256k1Binding } | { reason: string }
