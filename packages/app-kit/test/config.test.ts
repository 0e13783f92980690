import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  type ConfigErrorFactory,
  chainSchema,
  corsSchema,
  createKeySchema,
  createListenSchema,
  loadConfigKey,
  parseConfig,
  readConfigFile,
} from '../src/config.js'

class ConfigError extends Error {
  constructor(
    message: string,
    readonly options: { details: string } | { cause: unknown },
  ) {
    super(message)
  }
}
const invalid: ConfigErrorFactory = (message, options) => new ConfigError(message, options)

const schema = z
  .object({
    listen: createListenSchema(4000),
    chain: chainSchema,
    key: createKeySchema('key'),
    cors: corsSchema,
  })
  .strict()

const KEY = 'AB'.repeat(32)
// `${NAME}` without writing a template placeholder in a plain string.
const ref = (name: string) => `$${'{'}${name}}`

describe('config pieces', () => {
  it('fill the shared defaults and normalise the key', () => {
    const config = parseConfig(schema, { key: { privateKey: `0x${KEY}` } }, invalid, 'test')
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 4000 })
    expect(config.chain).toEqual({
      rpcUrl: 'http://127.0.0.1:26657',
      blockTransport: 'auto',
      pollingIntervalMs: 1000,
    })
    expect(config.key.privateKey).toBe(KEY.toLowerCase())
    expect(config.cors.allowedOrigins).toEqual([])
  })

  it('report every issue with its path in one error', () => {
    let error: unknown
    try {
      parseConfig(
        schema,
        { key: { privateKey: KEY, mnemonic: 'a b c' }, cors: { allowedOrigins: ['x/y'] } },
        invalid,
        'test',
      )
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).message).toBe('Invalid test config.')
    const { details } = (error as ConfigError).options as { details: string }
    expect(details).toContain('key: set exactly one of key.privateKey and key.mnemonic')
    expect(details).toContain('cors.allowedOrigins.0: expected * or an origin')
  })
})

describe('readConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'app-kit-config-'))

  it('reads YAML and JSON and expands environment variables', () => {
    const yaml = join(dir, 'a.yaml')
    writeFileSync(yaml, `key:\n  mnemonic: ${ref('WORDS')}\n`)
    expect(readConfigFile(yaml, { WORDS: 'w1 w2' }, invalid, 'test')).toEqual({
      key: { mnemonic: 'w1 w2' },
    })
    const json = join(dir, 'a.json')
    writeFileSync(json, '{"listen":{"port":1}}')
    expect(readConfigFile(json, {}, invalid, 'test')).toEqual({ listen: { port: 1 } })
  })

  it('raises the app error for a missing file, bad syntax and an unset variable', () => {
    expect(() => readConfigFile(join(dir, 'none.yaml'), {}, invalid, 'test')).toThrow(
      /^Cannot read config file/,
    )
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, '{')
    expect(() => readConfigFile(bad, {}, invalid, 'test')).toThrow(/^Cannot parse config file/)
    const unset = join(dir, 'unset.yaml')
    writeFileSync(unset, `a: ${ref('NOPE')}\n`)
    expect(() => readConfigFile(unset, {}, invalid, 'test')).toThrow('Invalid test config.')
  })
})

describe('loadConfigKey', () => {
  it('gives the same key, public key and address from hex (with or without 0x) and mnemonic', async () => {
    const { privateKeyFromMnemonic } = await import('@decai/crypto')
    const mnemonic =
      'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'
    const fromMnemonic = loadConfigKey({ mnemonic })
    const hex = Buffer.from(privateKeyFromMnemonic(mnemonic)).toString('hex')
    expect(fromMnemonic.address).toMatch(/^pokt1/)
    expect(loadConfigKey({ privateKey: hex })).toEqual(fromMnemonic)
    expect(loadConfigKey({ privateKey: `0x${hex}` })).toEqual(fromMnemonic)
  })
})
