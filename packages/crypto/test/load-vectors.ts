import { readFileSync } from 'node:fs'
import { hexToBytes } from '../src/bytes.js'

/** The `vectors` payload of a committed Go-generated vector file. */
export function loadVectors<T>(name: string): T {
  const raw = readFileSync(new URL(`./vectors/${name}.json`, import.meta.url), 'utf8')
  return (JSON.parse(raw) as { vectors: T }).vectors
}

export const h = hexToBytes
