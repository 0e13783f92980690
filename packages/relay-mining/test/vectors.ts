import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import type { Smst } from '../src/index.js'

/** Reads a committed vector file written by tools/conformance (`pnpm vectors`). */
export function readVectors<T>(name: string): T {
  const path = join(import.meta.dirname, 'vectors', name)
  return (JSON.parse(readFileSync(path, 'utf8')) as { vectors: T }).vectors
}

export const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'))
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

export type SmstOp = {
  op: 'update' | 'delete'
  key: string
  value?: string
  weight?: string
  found?: boolean
}

/** Replays scripted operations; returns what each delete reported. */
export function applyOps(trie: Smst, ops: SmstOp[]): boolean[] {
  const found: boolean[] = []
  for (const op of ops) {
    if (op.op === 'update')
      trie.update(fromHex(op.key), fromHex(op.value ?? ''), BigInt(op.weight ?? '0'))
    else found.push(trie.delete(fromHex(op.key)))
  }
  return found
}

export type SeededTrie = { seed: string; n: number; phases: number }

/**
 * The seeded leaf rule of tools/conformance/smst_common.go:
 *   key_i = sha256(seed ‖ be32(i)), value_i = (sha256(key_i ‖ 01) ‖ sha256(key_i ‖ 02))[: i mod 64],
 *   weight_i = 1 + (i × 7919 mod 1000); phase 2 replaces every third leaf, phase 3 deletes
 *   i ≡ 1 (mod 5). Calls `onPhase` after each phase.
 */
export function buildSeeded(
  trie: { update(k: Uint8Array, v: Uint8Array, w: bigint): void; delete(k: Uint8Array): boolean },
  spec: SeededTrie,
  onPhase: (phase: number) => void = () => {},
): void {
  const seed = fromHex(spec.seed)
  const key = (i: number) => {
    const b = new Uint8Array(seed.length + 4)
    b.set(seed)
    new DataView(b.buffer).setUint32(seed.length, i)
    return sha256(b)
  }
  const tagged = (k: Uint8Array, tag: number) => sha256(Uint8Array.of(...k, tag))
  for (let i = 0; i < spec.n; i++) {
    const k = key(i)
    const v = Uint8Array.of(...tagged(k, 1), ...tagged(k, 2)).slice(0, i % 64)
    trie.update(k, v, BigInt(1 + ((i * 7919) % 1000)))
  }
  onPhase(1)
  if (spec.phases < 2) return
  for (let i = 0; i < spec.n; i += 3) {
    const k = key(i)
    trie.update(k, tagged(k, 3).slice(0, 16), BigInt(2 + ((i * 7919) % 1000)))
  }
  onPhase(2)
  if (spec.phases < 3) return
  for (let i = 1; i < spec.n; i += 5) trie.delete(key(i))
  onPhase(3)
}
