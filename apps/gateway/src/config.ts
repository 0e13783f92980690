import { readFileSync } from 'node:fs'
import { expandEnvVariables } from '@decai/app-kit/config-env'
import { DEFAULT_CORS_MAX_AGE_SECONDS, isCorsOrigin } from '@decai/app-kit/cors'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { GatewayError } from './errors.js'

// The gateway's config: YAML or JSON, camelCase keys, `${ENV_VAR}` substituted in strings.
// Every section has defaults; only the gateway key is required.

const endpointName = z.enum(['chat', 'completions', 'embeddings'])
export type EndpointName = z.infer<typeof endpointName>

const pricingSchema = z
  .object({
    /** USD per million prompt tokens. */
    promptPerMillion: z.number().nonnegative().default(0),
    /** USD per million completion tokens. */
    completionPerMillion: z.number().nonnegative().default(0),
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
  })
  .strict()
export type ModelConfig = z.infer<typeof modelSchema>

const applicationSchema = z
  .object({
    /** The application's address; it must delegate to the gateway on chain. */
    address: z.string().min(1),
    /** Restricts the application to these services (default: every service it is staked for). */
    serviceIds: z.array(z.string().min(1)).optional(),
  })
  .strict()

const hexKey = z
  .string()
  .regex(/^(0x)?[0-9a-fA-F]{64}$/, 'a 32-byte hex private key')
  .transform((s) => s.replace(/^0x/, '').toLowerCase())

export const gatewayConfigSchema = z
  .object({
    listen: z
      .object({
        host: z.string().default('127.0.0.1'),
        /** 0 picks a free port. */
        port: z.number().int().min(0).max(65535).default(3069),
      })
      .strict()
      .prefault({}),
    chain: z
      .object({
        /** A node's CometBFT RPC. */
        rpcUrl: z.string().url().default('http://127.0.0.1:26657'),
        /** How new blocks are noticed: websocket subscription, polling, or both (auto). */
        blockTransport: z.enum(['auto', 'websocket', 'polling']).default('auto'),
        pollingIntervalMs: z.number().int().positive().default(1000),
      })
      .strict()
      .prefault({}),
    gateway: z
      .object({
        /** The gateway's staked key (hex). */
        privateKey: hexKey.optional(),
        /** Or its mnemonic (derived at m/44'/118'/0'/0/0). */
        mnemonic: z.string().min(1).optional(),
      })
      .strict()
      .refine((g) => (g.privateKey === undefined) !== (g.mnemonic === undefined), {
        message: 'set exactly one of gateway.privateKey and gateway.mnemonic',
      }),
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
    claimAudit: z
      .object({
        /**
         * Applications whose every relay passes through this gateway (delegated to it alone):
         * their settled claims are audited against the relays sent. Empty: no audit.
         */
        applications: z.array(z.string()).default([]),
        /** Chance of flagging an honest claim, per claim (binomial tail of relay mining). */
        falseFlagRate: z.number().gt(0).lt(1).default(1e-6),
        /** How often settled claims are read. */
        refreshMs: z.number().int().positive().default(60_000),
      })
      .strict()
      .prefault({}),
    discovery: z
      .object({
        /** Read `models` from on-chain service cards (`Service.metadata.card`). */
        serviceCards: z.boolean().default(true),
        /** How often services and delegations are re-read. */
        refreshMs: z.number().int().positive().default(30_000),
      })
      .strict()
      .prefault({}),
    store: z
      .object({
        /** SQLite file for API keys and usage; `:memory:` keeps nothing. */
        path: z.string().min(1).default('.decai/gateway.sqlite'),
      })
      .strict()
      .prefault({}),
    auth: z
      .object({
        /** Require an API key on `/v1/*` (false: open gateway, usage recorded as `anonymous`). */
        required: z.boolean().default(true),
        /** Bearer token of the `/admin/*` endpoints; without it they are off. */
        adminToken: z.string().min(16).optional(),
      })
      .strict()
      .prefault({}),
    cors: z
      .object({
        /**
         * Origins whose pages may call `/v1/*` from a browser: exact origins
         * (`https://app.example`) or `*` for any. Default none: same-origin pages only.
         */
        allowedOrigins: z
          .array(
            z.string().refine(isCorsOrigin, {
              message: 'expected * or an origin such as https://app.example (no path)',
            }),
          )
          .default([]),
        /** How long a browser may reuse a preflight answer (Chromium caps it at 7200). */
        maxAgeSeconds: z.number().int().nonnegative().default(DEFAULT_CORS_MAX_AGE_SECONDS),
      })
      .strict()
      .prefault({}),
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
    log: z
      .object({
        level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
      })
      .strict()
      .prefault({}),
  })
  .strict()

/** The config as written (defaults may be left out). */
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>
/** The config with every default filled in. */
export type GatewayConfig = z.output<typeof gatewayConfigSchema>

/** Validates a config object and fills in defaults. */
export function parseGatewayConfig(input: unknown): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(input)
  if (!result.success) {
    const details = result.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ')
    throw new GatewayError('INVALID_CONFIG', 'Invalid gateway config.', { details })
  }
  const config = result.data
  const names = new Set<string>()
  for (const model of config.models) {
    if (names.has(model.name))
      throw new GatewayError('INVALID_CONFIG', 'Invalid gateway config.', {
        details: `models: "${model.name}" is listed twice`,
      })
    names.add(model.name)
  }
  return config
}

/** Replaces `${NAME}` in every string with the environment variable (an error if unset). */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv = process.env): unknown {
  return expandEnvVariables(
    value,
    env,
    (name) =>
      new GatewayError('INVALID_CONFIG', 'Invalid gateway config.', {
        details: `environment variable ${name} is not set`,
      }),
  )
}

/** Reads, expands and validates a YAML or JSON config file. */
export function loadGatewayConfig(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): GatewayConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw new GatewayError('INVALID_CONFIG', `Cannot read config file ${path}.`, { cause })
  }
  let raw: unknown
  try {
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (cause) {
    throw new GatewayError('INVALID_CONFIG', `Cannot parse config file ${path}.`, {
      cause,
    })
  }
  return parseGatewayConfig(expandEnv(raw ?? {}, env))
}
