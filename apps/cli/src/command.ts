import type { ParseArgsConfig } from 'node:util'
import type { IncludedTx } from '@decai/chain'
import type { Context } from './context.js'
import { usageError } from './errors.js'

export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>

export type CommandInput = {
  args: string[]
  values: OptionValues
  ctx: Context
  /** Text piped to the CLI, for commands that read it (a prompt, a mnemonic). */
  readStdin(): Promise<string>
}

/** One `decai …` command. */
export type Command = {
  /** Words after `decai`, e.g. `['stake', 'app']`. */
  path: string[]
  /** Arguments and options, as shown in `decai help`. */
  usage: string
  summary: string
  options?: NonNullable<ParseArgsConfig['options']>
  run(input: CommandInput): Promise<void>
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name]
  return typeof value === 'string' ? value : undefined
}

export function requireOption(values: OptionValues, name: string): string {
  const value = stringOption(values, name)
  if (value === undefined) throw usageError(`--${name} is required.`)
  return value
}

export function integerOption(values: OptionValues, name: string): number | undefined {
  const text = stringOption(values, name)
  if (text === undefined) return undefined
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 0) throw usageError(`--${name} must be a whole number.`)
  return n
}

export function heightOption(values: OptionValues, name: string): bigint | undefined {
  const text = stringOption(values, name)
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text)) throw usageError(`--${name} must be a block height.`)
  return BigInt(text)
}

export function argument(args: string[], index: number, name: string): string {
  const value = args[index]
  if (value === undefined) throw usageError(`Missing <${name}>.`)
  return value
}

/** Prints where a transaction landed. */
export function reportTx(ctx: Context, what: string, tx: IncludedTx): void {
  if (ctx.json)
    ctx.out.json({ result: what, hash: tx.hash, height: tx.height, gasUsed: tx.gasUsed })
  else ctx.out.line(`${what} (tx ${tx.hash} at height ${tx.height})`)
}
