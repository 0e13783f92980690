import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  getConfigIssues,
  isSupplierError,
  loadSupplierConfig,
  parseSupplierConfig,
} from '../src/index.js'
import { tempDir } from './helpers.js'

// The smallest valid secp256k1 private key: any key will do for parsing.
const KEY = `${'0'.repeat(63)}1`

const valid = {
  operator: { privateKey: KEY },
  chain: { rpcUrl: 'http://127.0.0.1:26657' },
  storage: { dir: 'data' },
  services: [{ id: 'llm', backendUrl: 'http://127.0.0.1:8080' }],
}

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseSupplierConfig(input)
  } catch (error) {
    expect(isSupplierError(error) && error.code).toBe('INVALID_CONFIG')
    return getConfigIssues(error)
  }
  throw new Error('the config was accepted')
}

describe('config', () => {
  it('applies defaults and converts durations and sizes', () => {
    const config = parseSupplierConfig(
      {
        ...valid,
        services: [
          {
            id: 'llm',
            backendUrl: 'http://127.0.0.1:8080/v1',
            timeout: '90s',
            headersTimeout: 2500,
            maxRequestBytes: '4MiB',
            maxResponseBytes: '1.5 GB',
            headers: { Authorization: 'Bearer x' },
          },
        ],
      },
      { baseDir: '/srv/supplier' },
    )
    expect(config.listenAddress).toBe('127.0.0.1:8545')
    expect(config.metricsAddress).toBe('127.0.0.1:9091')
    expect(config.chain).toMatchObject({
      gasPrice: '1upokt',
      blocks: 'auto',
      pollingInterval: 1000,
    })
    expect(config.storage).toEqual({ dir: '/srv/supplier/data', synchronous: 'normal' })
    expect(config.services[0]).toMatchObject({
      timeout: 90_000,
      headersTimeout: 2500,
      maxRequestBytes: 4 * 1024 * 1024,
      maxResponseBytes: 1_500_000_000,
      maxConcurrency: 64,
      forwardPocketHeaders: false,
    })
    expect(config.rateLimit.enabled).toBe(true)
    expect(config.log.level).toBe('info')
    expect(config.cors).toEqual({ allowedOrigins: [], maxAgeSeconds: 7200 })
  })

  it('takes CORS origins as browsers send them, or *', () => {
    const origins = ['https://app.example', '*']
    expect(parseSupplierConfig({ ...valid, cors: { allowedOrigins: origins } }).cors).toEqual({
      allowedOrigins: origins,
      maxAgeSeconds: 7200,
    })
    expect(issuesOf({ ...valid, cors: { allowedOrigins: ['https://app.example/v1'] } })).toEqual([
      {
        path: 'cors.allowedOrigins[0]',
        message: 'expected * or an origin such as https://app.example (no path)',
      },
    ])
  })

  it('leaves token metering off by default and checks its integers', () => {
    expect(parseSupplierConfig(valid).services[0]!.tokenMetering).toBeUndefined()
    const on = parseSupplierConfig({
      ...valid,
      services: [{ ...valid.services[0], tokenMetering: { quantum: 100, outputWeight: 4 } }],
    })
    expect(on.services[0]!.tokenMetering).toEqual({
      quantum: 100,
      inputWeight: 1,
      outputWeight: 4,
      maxQuanta: 10_000,
    })
    const bad = issuesOf({
      ...valid,
      services: [{ ...valid.services[0], tokenMetering: { quantum: 0, inputWeight: 0.5 } }],
    })
    expect(bad.map((i) => i.path).sort()).toEqual([
      'services[0].tokenMetering.inputWeight',
      'services[0].tokenMetering.quantum',
    ])
  })

  it('names the path of every bad field', () => {
    const issues = issuesOf({
      operator: { privateKey: 'abc' },
      chain: { rpcUrl: 'ftp://node', pollingInterval: 'soon' },
      listenAddress: 'localhost',
      storage: {},
      services: [
        { id: 'llm', backendUrl: 'http://127.0.0.1:8080', timeout: -1 },
        { id: 'bad id!', backendUrl: 'not a url', maxRequestBytes: '12 parsecs' },
      ],
      log: { level: 'loud' },
      extra: true,
    })
    const paths = issues.map((i) => i.path)
    expect(paths).toEqual(
      expect.arrayContaining([
        'operator.privateKey',
        'chain.rpcUrl',
        'chain.pollingInterval',
        'listenAddress',
        'storage.dir',
        'services[0].timeout',
        'services[1].id',
        'services[1].backendUrl',
        'services[1].maxRequestBytes',
        'log.level',
        '(root)',
      ]),
    )
    expect(issues.find((i) => i.path === 'chain.rpcUrl')!.message).toMatch(/http\(s\) URL/)
    expect(issues.find((i) => i.path === '(root)')!.message).toMatch(/extra/)
  })

  it('requires exactly one key and at least one service, with unique IDs', () => {
    expect(issuesOf({ ...valid, operator: {} }).map((i) => i.path)).toEqual(['operator'])
    expect(
      issuesOf({ ...valid, operator: { privateKey: KEY, mnemonic: 'a b c' } })[0]!.message,
    ).toMatch(/exactly one/)
    expect(issuesOf({ ...valid, services: [] })[0]).toMatchObject({ path: 'services' })
    expect(
      issuesOf({ ...valid, services: [valid.services[0], valid.services[0]] })[0]!.message,
    ).toMatch(/unique/)
  })

  it('refuses a mnemonic that is not one, and a key that is not the operator’s', () => {
    expect(issuesOf({ ...valid, operator: { mnemonic: 'not a real mnemonic' } })[0]).toMatchObject({
      path: 'operator.mnemonic',
    })
    const other = 'pokt1eeeksh2tvkh7wzmfrljnhw4wrhs55lcuvmekkw'
    expect(issuesOf({ ...valid, operator: { privateKey: KEY, address: other } })[0]).toMatchObject({
      path: 'operator.address',
    })
    // Allowed when said to be on purpose (a test supplier whose signatures must fail).
    const config = parseSupplierConfig({
      ...valid,
      operator: { privateKey: KEY, address: other, allowAddressMismatch: true },
    })
    expect(config.operator.address).toBe(other)
  })

  it('loads YAML with paths relative to the file, and reports unreadable or invalid files', () => {
    const dir = tempDir()
    const path = join(dir, 'supplier.yaml')
    writeFileSync(
      path,
      [
        'operator:',
        `  privateKey: "${KEY}"`,
        'chain:',
        '  rpcUrl: http://127.0.0.1:26657',
        'storage:',
        '  dir: ./state',
        'services:',
        '  - id: llm',
        '    backendUrl: http://127.0.0.1:8080',
        '    timeout: 2m',
      ].join('\n'),
    )
    const config = loadSupplierConfig(path)
    expect(config.storage.dir).toBe(join(dir, 'state'))
    expect(config.services[0]!.timeout).toBe(120_000)

    writeFileSync(path, 'services: [\n')
    expect(() => loadSupplierConfig(path)).toThrow(/not valid YAML/)
    writeFileSync(path, 'services:\n  - id: llm\n')
    try {
      loadSupplierConfig(path)
      throw new Error('accepted')
    } catch (error) {
      expect((error as Error).message).toContain(path)
      expect(getConfigIssues(error).map((i) => i.path)).toEqual(
        expect.arrayContaining(['operator', 'chain', 'storage', 'services[0].backendUrl']),
      )
    }
    expect(() => loadSupplierConfig(join(dir, 'missing.yaml'))).toThrow(/Cannot read/)
  })
})
