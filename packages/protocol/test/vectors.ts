import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Reads a committed vector file written by tools/conformance (`pnpm vectors`). */
export function readVectors<T>(name: string): T {
  const path = join(import.meta.dirname, 'vectors', name)
  return (JSON.parse(readFileSync(path, 'utf8')) as { vectors: T }).vectors
}

export const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'))
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
