import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import * as chain from '@decai/chain'
import * as chainActions from '@decai/chain/actions'
import * as crypto from '@decai/crypto'
import * as protocol from '@decai/protocol'
import * as relayMining from '@decai/relay-mining'
import * as session from '@decai/session'
import * as goCompat from '@decai/session/go-compat'
import { describe, expect, it } from 'vitest'
import * as sdkChain from '../src/chain.js'
import * as sdkChainActions from '../src/chain-actions.js'
import * as sdkCrypto from '../src/crypto.js'
import * as sdkGoCompat from '../src/go-compat.js'
import * as api from '../src/index.js'
import * as sdkOpenai from '../src/openai-request.js'
import * as sdkProtocol from '../src/protocol.js'
import * as sdkRelayMining from '../src/relay-mining.js'
import * as sdkSession from '../src/session.js'

const names = (module: object) => Object.keys(module).sort()

describe('public API', () => {
  it('each subpath re-exports its package unchanged', () => {
    expect(names(sdkProtocol)).toEqual(names(protocol))
    expect(names(sdkCrypto)).toEqual(names(crypto))
    expect(names(sdkSession)).toEqual(names(session))
    expect(names(sdkRelayMining)).toEqual(names(relayMining))
    expect(names(sdkChain)).toEqual(names(chain))
    expect(names(sdkChainActions)).toEqual(names(chainActions))
    expect(names(sdkGoCompat)).toEqual(names(goCompat))
  })

  it('keeps Go plumbing and standalone actions off the main entry, on their subpaths', () => {
    expect(names(sdkGoCompat)).toMatchInlineSnapshot(`
      [
        "canonicalHeaderKey",
        "createGoRand",
        "readGoVarint",
        "seededFloat64",
        "seededInt63",
      ]
    `)
    const main = new Set(names(api))
    expect(names(sdkGoCompat).filter((n) => main.has(n))).toEqual([])
    // The actions share names with the client's methods; only queryAbci is also a main export.
    expect(names(sdkChainActions).filter((n) => main.has(n))).toEqual(['queryAbci'])
  })

  it('the main entry has every package value, and no name comes from two packages', () => {
    const packages = [protocol, crypto, session, relayMining, chain]
    const owner = new Map<string, unknown>()
    const clashes: string[] = []
    for (const m of packages)
      for (const [name, value] of Object.entries(m)) {
        // A symbol one package passes through from another is the same binding, not a clash.
        if (owner.has(name) && owner.get(name) !== value) clashes.push(name)
        owner.set(name, value)
      }
    expect(clashes).toEqual([])
    // One error registry: the chain exports the protocol's object itself.
    expect(chain.knownChainErrors).toBe(protocol.knownChainErrors)
    const own = api as Record<string, unknown>
    expect([...owner].filter(([name, value]) => own[name] !== value).map(([n]) => n)).toEqual([])
  })

  it('`@decai/sdk/openai`: the request schema alone', () => {
    expect(names(sdkOpenai)).toMatchInlineSnapshot(`
      [
        "MAX_STOP_SEQUENCES",
        "chatCompletionCreateParamsSchema",
        "chatCompletionRoles",
        "checkOpenAiRequest",
        "completionCreateParamsSchema",
        "embeddingCreateParamsSchema",
      ]
    `)
  })

  it('the application client exports', () => {
    const fromPackages = new Set(
      [protocol, crypto, session, relayMining, chain].flatMap((m) => Object.keys(m)),
    )
    expect(names(api).filter((n) => !fromPackages.has(n))).toMatchInlineSnapshot(`
      [
        "MAX_STOP_SEQUENCES",
        "SdkError",
        "chatCompletionCreateParamsSchema",
        "chatCompletionRoles",
        "checkOpenAiRequest",
        "completionCreateParamsSchema",
        "createClient",
        "embeddingCreateParamsSchema",
        "isSdkError",
        "readServerSentEvents",
        "sdkErrorCodes",
      ]
    `)
  })
})

describe('browser safety', () => {
  it('uses no Node-only module in the main entry', () => {
    const dir = join(import.meta.dirname, '../src')
    const offenders = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && f !== 'relay-mining-sqlite.ts')
      .filter((f) => /from ['"]node:|require\(/.test(readFileSync(join(dir, f), 'utf8')))
    expect(offenders).toEqual([])
  })

  it('bundles createClient for the browser', async () => {
    const require = createRequire(createRequire(import.meta.url).resolve('tsup'))
    // esbuild comes with tsup; only its `build` is used.
    const esbuild = require('esbuild') as {
      build(options: object): Promise<{ errors: unknown[]; outputFiles: { text: string }[] }>
    }
    const result = await esbuild.build({
      stdin: {
        contents: "export { createClient } from './src/index.ts'",
        resolveDir: join(import.meta.dirname, '..'),
        loader: 'ts',
      },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    })
    expect(result.errors).toEqual([])
    expect(result.outputFiles[0]!.text).not.toMatch(/@cosmjs/)
  })
})
