import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { create, ServiceSchema } from '@decai/protocol'
import { describe, expect, it } from 'vitest'
import { getChargeCost, NO_CHARGE, resolveModelPricing } from '../src/billing.js'
import { loadGatewayConfig, parseGatewayConfig } from '../src/config.js'
import { isGatewayError } from '../src/errors.js'
import { ModelCatalog, readCardMetering, readCardModels } from '../src/models.js'

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

  it('keeps keys in SQLite by default, or in PostgreSQL when asked', () => {
    const store = (value?: unknown) =>
      parseGatewayConfig({ gateway: { privateKey: key }, ...(value ? { store: value } : {}) }).store
    expect(store()).toEqual({ kind: 'sqlite', path: '.decai/gateway.sqlite' })
    // A config written before `kind` existed still reads as SQLite.
    expect(store({ path: 'keys.sqlite' })).toEqual({ kind: 'sqlite', path: 'keys.sqlite' })
    expect(store({ kind: 'postgres', url: 'postgres://u@db:5432/gw' })).toEqual({
      kind: 'postgres',
      url: 'postgres://u@db:5432/gw',
      maxConnections: 10,
      connectTimeoutMs: 5000,
      outboxPath: '.decai/gateway-spend-outbox.sqlite',
    })
    expect(() => store({ kind: 'postgres' })).toThrow(/store\.url/)
    expect(() => store({ kind: 'mysql', url: 'x' })).toThrow(/store/)
    expect(() => store({ path: 'x', url: 'y' })).toThrow(/store/)
  })

  it('keeps shared state in memory by default, or in Redis with a failure policy per limit', () => {
    const shared = (value?: unknown) =>
      parseGatewayConfig({ gateway: { privateKey: key }, ...(value ? { sharedState: value } : {}) })
        .sharedState
    expect(shared()).toEqual({
      kind: 'memory',
      onRedisDown: { requests: 'local', tokens: 'local', budget: 'closed' },
    })
    expect(
      shared({
        kind: 'redis',
        redis: { url: 'redis://127.0.0.1:6379' },
        onRedisDown: { budget: 'open' },
      }),
    ).toEqual({
      kind: 'redis',
      redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'decai:', commandTimeoutMs: 1000 },
      onRedisDown: { requests: 'local', tokens: 'local', budget: 'open' },
    })
    expect(() => shared({ kind: 'redis' })).toThrow(/sharedState\.redis/)
    expect(() => shared({ kind: 'memory', onRedisDown: { requests: 'maybe' } })).toThrow(
      /sharedState\.onRedisDown\.requests/,
    )
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

describe('pricing of token-metered services', () => {
  const metering = { quantum: 100, inputWeight: 1, outputWeight: 4 }
  const model = (pricing: Record<string, number>, tokenMetering?: typeof metering) =>
    parseGatewayConfig({
      gateway: { privateKey: key },
      models: [{ name: 'm', serviceId: 'llm', pricing, tokenMetering }],
    }).models[0]!
  const charge = (promptTokens: number, completionTokens: number) =>
    ({ promptTokens, completionTokens, promptSource: 'usage' }) as const

  it('derives per-token prices from perQuantum, the weights and the margin', () => {
    const m = model({ perQuantum: 0.0001, margin: 0.25 }, metering)
    const pricing = resolveModelPricing(m.pricing, m.tokenMetering)
    // 0.000125 USD per quantum of 100 weighted tokens: 1.25 USD per million prompt tokens.
    expect(pricing.promptPerMillion).toBeCloseTo(1.25, 12)
    expect(pricing.completionPerMillion).toBeCloseTo(5, 12)
    // A key pays per quantum, as the supplier mines them: ceil((20 + 4 × 2,000) / 100) = 81.
    expect(getChargeCost(charge(20, 2000), pricing)).toBeCloseTo(81 * 0.000125, 15)
    expect(getChargeCost(charge(20, 5), pricing)).toBeCloseTo(0.000125, 15)
    expect(getChargeCost(NO_CHARGE, pricing)).toBe(0)
  })

  it('accepts per-million prices in the weights’ ratio and charges them per quantum', () => {
    const m = model({ promptPerMillion: 1, completionPerMillion: 4 }, metering)
    const pricing = resolveModelPricing(m.pricing, m.tokenMetering)
    expect(pricing.quantum?.usd).toBeCloseTo(0.0001, 15)
    expect(getChargeCost(charge(200, 300), pricing)).toBeCloseTo(14 * 0.0001, 15)
  })

  it('refuses prices that contradict the weights, with INVALID_CONFIG', () => {
    const cases: [Record<string, number>, typeof metering | undefined, RegExp][] = [
      [
        { promptPerMillion: 1, completionPerMillion: 2 },
        metering,
        /not the service's weights 1 : 4/,
      ],
      [{ perQuantum: 1, completionPerMillion: 2 }, metering, /not both/],
      [{ perQuantum: 1 }, undefined, /need the service's tokenMetering/],
      [{ promptPerMillion: 1, completionPerMillion: 4, margin: 0.1 }, metering, /margin/],
    ]
    for (const [pricing, tokenMetering, details] of cases) {
      try {
        model(pricing, tokenMetering)
        expect.unreachable()
      } catch (error) {
        expect(isGatewayError(error) && error.code).toBe('INVALID_CONFIG')
        expect((error as { details: string }).details).toMatch(details)
      }
    }
  })

  it('takes the weights a service card declares, and reports prices that contradict them', () => {
    const card = (token_metering: unknown) =>
      create(ServiceSchema, {
        id: 'llm',
        metadata: {
          card: new TextEncoder().encode(JSON.stringify({ models: ['c'], token_metering })),
        },
      })
    expect(readCardMetering(card({ quantum: 50, output_weight: 3 }))).toEqual({
      quantum: 50,
      inputWeight: 1,
      outputWeight: 3,
    })
    for (const bad of [{ quantum: 0 }, { quantum: 1.5 }, { quantum: 10, input_weight: -1 }, 'x'])
      expect(readCardMetering(card(bad))).toBeUndefined()

    const config = parseGatewayConfig({
      gateway: { privateKey: key },
      models: [
        { name: 'q', serviceId: 'llm', pricing: { perQuantum: 0.001 }, tokenMetering: metering },
        {
          name: 'p',
          serviceId: 'llm',
          pricing: { promptPerMillion: 1, completionPerMillion: 4 },
          tokenMetering: metering,
        },
      ],
    })
    const catalog = new ModelCatalog(config.models)
    const conflicts = catalog.updateFromServices([card({ quantum: 50, output_weight: 3 })])
    // perQuantum follows the card: 0.001 USD per 50 weighted tokens.
    expect(catalog.resolve('q')?.metering).toEqual({ quantum: 50, inputWeight: 1, outputWeight: 3 })
    expect(catalog.resolve('q')?.pricing.completionPerMillion).toBeCloseTo(60, 9)
    // Per-million prices in a 1 : 4 ratio cannot follow 1 : 3: kept, and reported.
    expect(conflicts).toEqual([
      expect.objectContaining({ model: 'p', details: expect.stringMatching(/1 : 3/) }),
    ])
    expect(catalog.resolve('p')?.metering).toEqual(metering)
    expect(catalog.resolve('c')?.metering).toEqual({ quantum: 50, inputWeight: 1, outputWeight: 3 })
  })
})

describe('price tiers', () => {
  const base = {
    gateway: { privateKey: '11'.repeat(32) },
    models: [
      {
        name: 'm',
        serviceId: 'llm',
        tiers: [
          { name: 'fast', maxTpotMs: 30, priceMultiplier: 2 },
          { name: 'any', maxTtftMs: 500, fallback: true },
        ],
      },
      { name: 'odd@name', serviceId: 'llm' },
    ],
  }

  it('resolves model@tier, a model named with an @ first', () => {
    const catalog = new ModelCatalog(parseGatewayConfig(base).models)
    expect(catalog.resolveTiered('m')).toMatchObject({ model: { name: 'm' }, tier: undefined })
    expect(catalog.resolveTiered('m@fast')).toMatchObject({
      model: { name: 'm' },
      tier: { name: 'fast', maxTpotMs: 30, priceMultiplier: 2, fallback: false },
    })
    expect(catalog.resolveTiered('m@any')?.tier).toMatchObject({
      priceMultiplier: 1,
      fallback: true,
    })
    expect(catalog.resolveTiered('odd@name')).toMatchObject({ model: { name: 'odd@name' } })
    for (const name of ['m@slow', 'm@', '@fast', 'x@fast', 'odd@name@fast'])
      expect(catalog.resolveTiered(name)).toBeUndefined()
  })

  it.each([
    [{ name: 'Fast' }],
    [{ name: 'fast', priceMultiplier: 0 }],
    [{ name: 'fast', maxTtftMs: -1 }],
    [{ name: 'fast', colour: 'red' }],
    [{ name: 'fast' }, { name: 'fast' }],
  ])('refuses a bad tier list: %j', (...tiers) => {
    expect(() =>
      parseGatewayConfig({ ...base, models: [{ name: 'm', serviceId: 'llm', tiers }] }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }))
  })
})
