// Reading a config file and its amounts.

import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { DevnetError } from '../errors.js'
import { POKT } from './defaults.js'
import type { AmountInput, DevnetConfig } from './types.js'

export function parseAmount(input: AmountInput, what: string): bigint {
  if (typeof input === 'bigint') return input
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0)
      throw invalidConfig(`${what}: ${input} is not a whole uPOKT amount`)
    return BigInt(input)
  }
  const match = /^\s*(\d+)(?:\.(\d+))?\s*(upokt|pokt)?\s*$/i.exec(input)
  if (!match) throw invalidConfig(`${what}: cannot parse amount "${input}"`)
  const [, whole, fraction = '', unit = 'upokt'] = match
  if (unit.toLowerCase() === 'upokt') {
    if (fraction) throw invalidConfig(`${what}: uPOKT amounts are whole numbers`)
    return BigInt(whole!)
  }
  if (fraction.length > 6) throw invalidConfig(`${what}: POKT has six decimals`)
  return BigInt(whole!) * POKT + BigInt(fraction.padEnd(6, '0') || '0')
}

export function invalidConfig(details: string): DevnetError {
  return new DevnetError('INVALID_CONFIG', 'Invalid devnet config.', { details })
}

/** Reads a YAML or JSON config file. */
export function loadConfigFile(path: string): DevnetConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new DevnetError('INVALID_CONFIG', `Cannot read config file ${path}.`, { cause: error })
  }
  try {
    const parsed = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
    return (parsed ?? {}) as DevnetConfig
  } catch (error) {
    throw new DevnetError('INVALID_CONFIG', `Cannot parse config file ${path}.`, {
      cause: error,
    })
  }
}
