import {
  type ConfigErrorFactory,
  chainSchema,
  claimAuditSchema,
  corsSchema,
  createDatabaseStoreSchema,
  createKeySchema,
  createListenSchema,
  expandConfigEnv,
  logSchema,
  parseConfig,
  postgresStoreSchema,
  readConfigFile,
  tokenMeteringSchema,
} from '@decai/app-kit/config'
import { z } from 'zod'
import { resolveModelPricing } from './billing.js'
import { GatewayError } from './errors.js'

// The gateway's config: YAML or JSON, camelCase keys, `${ENV_VAR}` substituted in strings.
// Every section has defaults; only the gateway key is required.

const endpointName = z.enum(['chat', 'completions', 'embeddings'])
export type EndpointName = z.infer<typeof endpointName>

const pricingSchema = z
  .object({
    /**
     * USD per million prompt tokens. For a token-metered service it must stand to
     * `completionPerMillion` as the service's input weight to its output weight.
     */
    promptPerMillion: z.number().nonnegative().default(0),
    /** USD per million completion tokens. */
    completionPerMillion: z.number().nonnegative().default(0),
    /**
     * Token-metered services: USD per quantum (one relay the gateway's application pays on
     * chain). The per-token prices follow from it and the service's weights
     * (docs/tokenomics.md, "Gateway pricing"); instead of the per-million prices.
     */
    perQuantum: z.number().nonnegative().optional(),
    /** Share added to `perQuantum` (0.25: the key pays 25 % over the chain's cost). */
    margin: z.number().nonnegative().optional(),
  })
  .strict()

/**
 * A price tier of a model (docs/gateway.md, "Price tiers"): customers ask for it as
 * `model@name`; it is served only by suppliers whose fitted TTFT (for the request) and TPOT are
 * within its limits, and billed at `priceMultiplier` × the model's prices.
 */
const tierSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/),
    /** The most time to the first token expected for the request at a supplier. */
    maxTtftMs: z.number().positive().optional(),
    /** The most time per output token measured at a supplier. */
    maxTpotMs: z.number().positive().optional(),
    /** The tier's price, as a multiple of the model's. */
    priceMultiplier: z.number().positive().default(1),
    /**
     * With no supplier within the limits, serve the request anyway (the best supplier, as
     * without a tier) at the model's own price, instead of `TIER_UNAVAILABLE`.
     */
    fallback: z.boolean().default(false),
  })
  .strict()

const modelSchema = z
  .object({
    /** The `model` clients send. */
    name: z.string().min(1),
    /** The POKT service that serves it. */
    serviceId: z.string().min(1),
    /** The model name the suppliers' backends expect, when it differs from `name`. */
    upstreamModel: z.string().min(1).optional(),
    /** The OpenAI endpoints the service offers (all three by default). */
    endpoints: z.array(endpointName).min(1).default(['chat', 'completions', 'embeddings']),
    pricing: pricingSchema.prefault({}),
    /**
     * The service's token metering, when it meters tokens: the weights its service card
     * declares (the card wins when both say something). Keys then pay per quantum, as the chain
     * charges the gateway.
     */
    tokenMetering: tokenMeteringSchema.optional(),
    /** Context length advertised in `/v1/models` (informational). */
    contextLength: z.number().int().positive().optional(),
    /**
     * The model's own tokenizer, for prompt tokens the backend never reports (a stream the
     * client left) and for the hedge delay: a GGUF file whose vocabulary and chat template
     * count them exactly. Without it the gateway uses its documented estimate.
     */
    tokenizer: z
      .object({ gguf: z.string().min(1) })
      .strict()
      .optional(),
    /**
     * The most choices one request may ask for (`n`, `best_of`), when the backends take fewer
     * than OpenAI's 128 (llama.cpp's server takes 1): more is refused before any relay.
     */
    maxChoices: z.number().int().positive().optional(),
    /** Optional price tiers by latency (`model@tier`). */
    tiers: z.array(tierSchema).optional(),
  })
  .strict()
export type ModelTier = z.infer<typeof tierSchema>
export type ModelConfig = z.infer<typeof modelSchema>
export type PricingConfig = z.infer<typeof pricingSchema>

const applicationSchema = z
  .object({
    /** The application's address; it must delegate to the gateway on chain. */
    address: z.string().min(1),
    /** Restricts the application to these services (default: every service it is staked for). */
    serviceIds: z.array(z.string().min(1)).optional(),
  })
  .strict()

const failurePolicy = z.enum(['open', 'local', 'closed'])

const invalid: ConfigErrorFactory = (message, options) =>
  new GatewayError('INVALID_CONFIG', message, options)

export const gatewayConfigSchema = z
  .object({
    listen: createListenSchema(3069),
    chain: chainSchema,
    /** The gateway's staked key. */
    gateway: createKeySchema('gateway'),
    /**
     * Applications that delegate to the gateway. When omitted, every application delegating to
     * it on chain is used.
     */
    applications: z.array(applicationSchema).optional(),
    /** Model name → service; merged with models declared in service cards. */
    models: z.array(modelSchema).default([]),
    watchers: z
      .object({
        /** Watchers (apps/watcher) whose `GET /reports/latest` the router follows. */
        urls: z.array(z.string().url()).default([]),
        /** How often their reports are read. */
        refreshMs: z.number().int().positive().default(30_000),
        /** A report older than this (its watcher unreadable since) counts for nothing. */
        staleMs: z.number().int().positive().default(600_000),
        /** A `mismatch` excludes a supplier only with at least this confidence. */
        minConfidence: z.number().min(0).max(1).default(0.95),
      })
      .strict()
      .prefault({}),
    claimAudit: claimAuditSchema,
    discovery: z
      .object({
        /** Read `models` from on-chain service cards (`Service.metadata.card`). */
        serviceCards: z.boolean().default(true),
        /** How often services and delegations are re-read. */
        refreshMs: z.number().int().positive().default(30_000),
      })
      .strict()
      .prefault({}),
    /**
     * Where API keys, usage and spend live: an SQLite file (`{ path }`, the default) or a
     * PostgreSQL database shared by several replicas (`{ kind: 'postgres', url }`).
     */
    store: createDatabaseStoreSchema(
      '.decai/gateway.sqlite',
      postgresStoreSchema.extend({
        /**
         * This replica's own file for the spend of requests that finish while PostgreSQL is
         * unreachable, replayed when it answers again (never shared between replicas).
         */
        outboxPath: z.string().min(1).default('.decai/gateway-spend-outbox.sqlite'),
      }),
    ),
    auth: z
      .object({
        /** Require an API key on `/v1/*` (false: open gateway, usage recorded as `anonymous`). */
        required: z.boolean().default(true),
        /** Bearer token of the `/admin/*` endpoints; without it they are off. */
        adminToken: z.string().min(16).optional(),
      })
      .strict()
      .prefault({}),
    /** Origins whose pages may call `/v1/*` from a browser. */
    cors: corsSchema,
    limits: z
      .object({
        maxBodyBytes: z
          .number()
          .int()
          .positive()
          .default(1024 * 1024),
        /** Limits for keys created without their own. */
        defaultRpm: z.number().int().positive().optional(),
        defaultTpm: z.number().int().positive().optional(),
        /**
         * Completion tokens reserved against a key's budget for a request that sets no
         * `max_tokens` (and whose model has no `contextLength`): its worst case, until settled.
         */
        reserveCompletionTokens: z.number().int().positive().default(4096),
      })
      .strict()
      .prefault({}),
    routing: z
      .object({
        /** Suppliers tried per request, hedges included. */
        maxAttempts: z.number().int().min(1).max(10).default(4),
        /**
         * `first-token`: a request goes to the supplier where its first token is expected
         * soonest (its prompt and the queue there), the quality score deciding within a tie
         * band. `score`: the former rule, the quality score alone (kept to compare the two).
         */
        routeBy: z.enum(['first-token', 'score']).default('first-token'),
        /** Send a second request when the first token is late (before any byte reached the client). */
        hedge: z.boolean().default(true),
        /**
         * `expected-ttft`: the hedge delay follows this request's expected first-token time at
         * its supplier (prompt and queued prefill tokens × the supplier's measured prefill
         * rate). `typical-ttft`: the former rule, a multiple of the service's typical TTFT
         * whatever the prompt (kept to compare the two).
         */
        hedgePolicy: z.enum(['expected-ttft', 'typical-ttft']).default('expected-ttft'),
        /** The first-token delay after which a hedge goes out, when nothing is measured yet. */
        hedgeDelayMs: z.number().int().positive().default(2000),
        /** Hedge delay = this × the expected (or typical) time to first token. */
        hedgeTtftMultiplier: z.number().positive().default(3),
        minHedgeDelayMs: z.number().int().nonnegative().default(250),
        /** Upper bound of the `typical-ttft` delay and of the unmeasured one. */
        maxHedgeDelayMs: z.number().int().positive().default(10_000),
        /** Hedges allowed per relay sent, in the long run (a token bucket per service). */
        hedgeBudget: z.number().min(0).max(1).default(0.05),
        /** Hedges the bucket holds at most (and at start). */
        hedgeBurst: z.number().min(0).default(2),
        /** Share of requests sent to a random eligible supplier. */
        explorationRate: z.number().min(0).max(1).default(0.05),
        /** Consecutive failures that put a supplier in cooldown. */
        failureThreshold: z.number().int().positive().default(3),
        /** First cooldown; doubles on each new cooldown, up to `maxCooldownMs`. */
        cooldownMs: z.number().int().positive().default(5_000),
        maxCooldownMs: z.number().int().positive().default(300_000),
        /** Cooldown after a response whose signature does not verify. */
        badSignatureCooldownMs: z.number().int().positive().default(60_000),
        /** Share of requests a supplier on probation may get. */
        probationRate: z.number().min(0).max(1).default(0.1),
        /** Successes that end probation. */
        probationSuccesses: z.number().int().positive().default(2),
      })
      .strict()
      .prefault({}),
    timeouts: z
      .object({
        /** No first token (stream) or no answer (non-stream) within this: the attempt fails. */
        firstTokenMs: z.number().int().positive().default(60_000),
        /** Longest silence between two streamed chunks. */
        idleMs: z.number().int().positive().default(60_000),
        /** Whole request, all attempts. */
        requestMs: z.number().int().positive().default(600_000),
        /** SSE comment sent to the client after this much silence. */
        keepAliveMs: z.number().int().positive().default(15_000),
      })
      .strict()
      .prefault({}),
    /**
     * Where per-key limits, budget reservations and suppliers' health live: `memory` (one
     * process; each replica enforces its own share) or `redis` (shared by every replica).
     */
    sharedState: z
      .object({
        kind: z.enum(['memory', 'redis']).default('memory'),
        redis: z
          .object({
            url: z.string().min(1),
            keyPrefix: z.string().default('decai:'),
            /** A command not answered within this counts as Redis unreachable. */
            commandTimeoutMs: z.number().int().positive().default(1000),
          })
          .strict()
          .optional(),
        /**
         * Each limit while Redis is unreachable: `local` (this replica's own window and budget
         * ledger), `open` (not counted; a budget compares the stored spend only) or `closed`
         * (refused with 503 `limits_unavailable`).
         */
        onRedisDown: z
          .object({
            requests: failurePolicy.default('local'),
            tokens: failurePolicy.default('local'),
            budget: failurePolicy.default('closed'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({})
      .refine((s) => s.kind !== 'redis' || s.redis !== undefined, {
        message: 'sharedState.redis.url is required with kind: redis',
        path: ['redis'],
      }),
    log: logSchema,
  })
  .strict()

/** The config as written (defaults may be left out). */
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>
/** The config with every default filled in. */
export type GatewayConfig = z.output<typeof gatewayConfigSchema>
/** The `store` section: SQLite or PostgreSQL. */
export type KeyStoreConfig = GatewayConfig['store']

/** Validates a config object and fills in defaults. */
export function parseGatewayConfig(input: unknown): GatewayConfig {
  const config = parseConfig(gatewayConfigSchema, input, invalid, 'gateway')
  const names = new Set<string>()
  for (const model of config.models) {
    if (names.has(model.name))
      throw new GatewayError('INVALID_CONFIG', 'Invalid gateway config.', {
        details: `models: "${model.name}" is listed twice`,
      })
    names.add(model.name)
    const tiers = new Set(model.tiers?.map((t) => t.name))
    if (tiers.size < (model.tiers?.length ?? 0))
      throw new GatewayError('INVALID_CONFIG', 'Invalid gateway config.', {
        details: `models: "${model.name}" lists a tier name twice`,
      })
    try {
      resolveModelPricing(model.pricing, model.tokenMetering)
    } catch (error) {
      throw new GatewayError('INVALID_CONFIG', 'Invalid gateway config.', {
        details: `models: "${model.name}": ${(error as GatewayError).details ?? ''}`,
      })
    }
  }
  return config
}

/** Replaces `${NAME}` in every string with the environment variable (an error if unset). */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv = process.env): unknown {
  return expandConfigEnv(value, env, invalid, 'gateway')
}

/** Reads, expands and validates a YAML or JSON config file. */
export function loadGatewayConfig(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): GatewayConfig {
  return parseGatewayConfig(readConfigFile(path, env, invalid, 'gateway'))
}
