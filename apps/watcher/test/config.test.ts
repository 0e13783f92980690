import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadWatcherConfig, parseWatcherConfig } from '../src/config.js'
import { tempDir } from './helpers.js'

const service = {
  serviceId: 'llm',
  model: 'smollm2-135m-instruct',
  reference: { url: 'http://127.0.0.1:8080', sha256: 'b'.repeat(64) },
}
const key = '11'.repeat(32)

describe('watcher config', () => {
  it('fills in defaults', () => {
    const config = parseWatcherConfig({ watcher: { privateKey: key }, services: [service] })
    expect(config.listen.port).toBe(3070)
    expect(config.verdict).toMatchObject({
      honestAgreement: 0.9,
      substituteAgreement: 0.5,
      alpha: 0.05,
    })
    expect(config.schedule.enabled).toBe(true)
  })

  it('refuses a config without a key, without services, or with crossed hypotheses', () => {
    const code = (input: unknown) => {
      try {
        parseWatcherConfig(input)
      } catch (error) {
        return [(error as { code: string }).code, (error as { details: string }).details]
      }
      return ['ok']
    }
    expect(code({ services: [service] })[0]).toBe('INVALID_CONFIG')
    expect(code({ watcher: { privateKey: key }, services: [] })[1]).toContain('services')
    expect(
      code({
        watcher: { privateKey: key },
        services: [service],
        verdict: { honestAgreement: 0.6, substituteAgreement: 0.7 },
      })[1],
    ).toContain('substituteAgreement')
  })

  it('reads YAML with environment variables', () => {
    const file = join(tempDir(), 'watcher.yaml')
    writeFileSync(
      file,
      `watcher:\n  privateKey: \${WATCHER_KEY}\nservices:\n  - serviceId: llm\n    model: m\n    reference: { url: "http://127.0.0.1:1", sha256: "${'a'.repeat(64)}" }\n`,
    )
    expect(loadWatcherConfig(file, { WATCHER_KEY: key }).watcher.privateKey).toBe(key)
    expect(() => loadWatcherConfig(file, {})).toThrowError(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    )
  })
})
