import { bytesToHex, hexToBytes } from '@decai/crypto'
import { encodeRelayQuanta, type SessionHeaderFields, signQuantumResponses } from '@decai/session'

// The token-metered answers this supplier served recently, so that a client can fetch the signed
// quanta of an answer (`GET /quanta/<request hash>`) as evidence of what the claim will count.
// Only what identifies an answer is kept: signatures are deterministic, so the quanta are signed
// again on demand, byte for byte the ones mined.

type Entry = { sessionHeader: SessionHeaderFields; answerHash: Uint8Array; count: number }

export class QuantaLedger {
  readonly #entries = new Map<string, Entry>()

  constructor(readonly capacity = 10_000) {}

  record(requestHash: Uint8Array, entry: Entry): void {
    const key = bytesToHex(requestHash)
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    // Oldest first out: a Map iterates in insertion order.
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.capacity) break
      this.#entries.delete(oldest)
    }
  }

  /** The answer's quanta on the wire, or undefined for an answer not (or no longer) known. */
  sign(requestHashHex: string, privateKey: Uint8Array): Uint8Array | undefined {
    const entry = this.#entries.get(requestHashHex.toLowerCase())
    if (!entry) return undefined
    return encodeRelayQuanta(
      signQuantumResponses({
        ...entry,
        requestHash: hexToBytes(requestHashHex),
        privateKey,
      }),
    )
  }
}
