import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { create, ServiceSchema } from '@decai/protocol'
import { describe, expect, it } from 'vitest'
import { loadGatewayConfig, parseGatewayConfig } from '../src/config.js'
import { isGatewayError } from '../src/errors.js'
import { ModelCatalog, readCardModels } from '../src/models.js'

const key = 'ab'.repeat(32)

describe('gateway config', () => {
  it('fills every default around the gateway key', () => {
    const config = parseGatewayConfig({ gateway: { privateKey: `0x${key.toUpperCase()}` } })
    expect(config.gateway.privateKey).toBe(key)
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 3069 })
    expect(config.chain.rpcUrl).toBe('http://127.0.0.1:26657')
    expect(config.auth.required).toBe(true)
    expect(config.routing).toMatchObject({
      maxAttempts: 4,
      routeBy: 'first-token',
      hedge: true,
      failureThreshold: 3,
    })
    expect(config.timeouts.keepAliveMs).toBe(15_000)
    expect(config.applications).toBeUndefined()
    // No browser origin unless configured; preflights cached for Chromium's maximum.
    expect(config.cors).toEqual({ allowedOrigins: [], maxAgeSeconds: 7200 })
  })

  it('takes CORS origins as browsers send them, or *', () => {
    const cors = (allowedOrigins: string[]) =>
      parseGatewayConfig({ gateway: { privateKey: key }, cors: { allowedOrigins } }).cors
    expect(cors(['https://app.example', 'http://127.0.0.1:5173']).allowedOrigins).toHaveLength(2)
    expect(cors(['*']).allowedOrigins).toEqual(['*'])
    for (const bad of ['https://app.example/', 'app.example', 'https://*.example'])
      expect(() => cors([bad]), bad).toThrow(/cors\.allowedOrigins\.0/)
  })

  it('reports every bad field with its path', () => {
    try {
      parseGatewayConfig({
        gateway: { privateKey: 'nope' },
        listen: { port: 70000 },
        models: [{ name: 'm' }],
        bogus: 1,
      })
      expect.unreachable()
    } catch (error) {
      expect(isGatewayError(error) && error.code).toBe('INVALID_CONFIG')
      const details = (error as { details: string }).details
      for (const path of ['gateway.privateKey', 'listen.port', 'models.0.serviceId', '(root)'])
        expect(details).toContain(path)
    }
    expect(() => parseGatewayConfig({ gateway: {} })).toThrow(/exactly one of/)
    expect(() =>
      parseGatewayConfig({
        gateway: { privateKey: key },
        models: [
          { name: 'm', serviceId: 'a' },
          { name: 'm', serviceId: 'b' },
        ],
      }),
    ).toThrow(/listed twice/)
  })

  it('loads YAML with environment variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'decai-gateway-config-'))
    const path = join(dir, 'gateway.yaml')
    writeFileSync(
      path,
      [
        'gateway:',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own placeholder
        '  privateKey: ${GW_KEY}',
        'models:',
        '  - name: smollm2-135m-instruct',
        '    serviceId: llm',
        '    pricing: { promptPerMillion: 0.5 }',
        'auth:',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own placeholder
        '  adminToken: ${GW_ADMIN}',
      ].join('\n'),
    )
    const config = loadGatewayConfig(path, { GW_KEY: key, GW_ADMIN: 'a-long-admin-token-123' })
    expect(config.gateway.privateKey).toBe(key)
    expect(config.models[0]).toMatchObject({
      endpoints: ['chat', 'completions', 'embeddings'],
      pricing: { promptPerMillion: 0.5, completionPerMillion: 0 },
    })
    expect(() => loadGatewayConfig(path, { GW_KEY: key })).toThrow(/GW_ADMIN is not set/)
  })
})

describe('service cards', () => {
  const service = (card: unknown) =>
    create(ServiceSchema, {
      id: 'llm',
      metadata: {
        card: new TextEncoder().encode(typeof card === 'string' ? card : JSON.stringify(card)),
      },
    })

  it('reads models and OpenAI endpoints from a card', () => {
    const models = readCardModels(
      service({
        schema: 'pocket-service-card/v1',
        apis: ['openai-chat-completions', 'openai-embeddings', 'something-else'],
        models: ['a', { id: 'b', context_length: 4096 }, { name: 'c' }, 42, ''],
      }),
    )
    expect(models.map((m) => [m.name, m.endpoints, m.contextLength])).toEqual([
      ['a', ['chat', 'embeddings'], undefined],
      ['b', ['chat', 'embeddings'], 4096],
      ['c', ['chat', 'embeddings'], undefined],
    ])
  })

  it('ignores cards without models, and garbage', () => {
    expect(readCardModels(service({ schema: 'pocket-service-card/v1' }))).toEqual([])
    expect(readCardModels(service('not json'))).toEqual([])
    expect(readCardModels(create(ServiceSchema, { id: 'x' }))).toEqual([])
  })

  it('lets config entries win over card entries of the same name', () => {
    const catalog = new ModelCatalog([
      {
        name: 'a',
        serviceId: 'configured',
        endpoints: ['chat'],
        pricing: { promptPerMillion: 1, completionPerMillion: 1 },
      },
    ])
    catalog.updateFromServices([service({ models: ['a', 'b'] })])
    expect(catalog.resolve('a')?.serviceId).toBe('configured')
    expect(catalog.resolve('b')).toMatchObject({ serviceId: 'llm', source: 'card' })
    expect(catalog.all().map((m) => m.name)).toEqual(['a', 'b'])
  })
})
