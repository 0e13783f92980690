import { readFileSync } from 'node:fs'
import { expandEnvVariables } from '@decai/app-kit/config-env'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { WatcherError } from './errors.js'

// The watcher's config: YAML or JSON, camelCase keys, `${ENV_VAR}` substituted in strings. Only
// the watcher's gateway key and the watched services are required.

const hexKey = z
  .string()
  .regex(/^(0x)?[0-9a-fA-F]{64}$/, 'a 32-byte hex private key')
  .transform((s) => s.replace(/^0x/, '').toLowerCase())

const serviceSchema = z
  .object({
    /** The POKT service to watch. */
    serviceId: z.string().min(1),
    /** The model name suppliers advertise for it (what the gateway sends upstream). */
    model: z.string().min(1),
    /**
     * The watcher's own run of the claimed model: an OpenAI-compatible server (apps/llm-server)
     * loading the GGUF named by `sha256`. With `modelFile`, the watcher hashes the file at start
     * and refuses to run if it is not that model.
     */
    reference: z
      .object({
        url: z.string().url(),
        sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256'),
        modelFile: z.string().min(1).optional(),
      })
      .strict(),
  })
  .strict()
export type WatchedService = z.infer<typeof serviceSchema>

export const watcherConfigSchema = z
  .object({
    listen: z
      .object({
        host: z.string().default('127.0.0.1'),
        /** 0 picks a free port. */
        port: z.number().int().min(0).max(65535).default(3070),
      })
      .strict()
      .prefault({}),
    chain: z
      .object({
        rpcUrl: z.string().url().default('http://127.0.0.1:26657'),
        blockTransport: z.enum(['auto', 'websocket', 'polling']).default('auto'),
        pollingIntervalMs: z.number().int().positive().default(1000),
      })
      .strict()
      .prefault({}),
    /**
     * The watcher's key: a staked gateway that the probed applications delegate to (beside the
     * real gateway), so probes are ring-signed by a member of the same ring as user traffic.
     * It also signs the reports.
     */
    watcher: z
      .object({
        privateKey: hexKey.optional(),
        mnemonic: z.string().min(1).optional(),
      })
      .strict()
      .refine((g) => (g.privateKey === undefined) !== (g.mnemonic === undefined), {
        message: 'set exactly one of watcher.privateKey and watcher.mnemonic',
      }),
    /** Applications whose sessions are probed; default: every one delegating to the watcher. */
    applications: z.array(z.string().min(1)).optional(),
    services: z.array(serviceSchema).min(1),
    schedule: z
      .object({
        /** Start probing on a timer (false: only `runRound()` / `POST`-free tests drive it). */
        enabled: z.boolean().default(true),
        /**
         * Mean gap between two probes; gaps are exponential (a Poisson process), so probes have
         * no period a supplier could lock onto, and land anywhere in a session.
         */
        meanIntervalMs: z.number().int().positive().default(20_000),
        /** Share of probes that are model-identity challenges (greedy, seeded). */
        challengeShare: z.number().min(0).max(1).default(0.5),
        /** Share of probes that stream (users mostly stream). */
        streamShare: z.number().min(0).max(1).default(0.8),
      })
      .strict()
      .prefault({}),
    verdict: z
      .object({
        /** Share of challenges an honest supplier is expected to agree on (at least). */
        honestAgreement: z.number().gt(0).lt(1).default(0.9),
        /** Share a substitute is assumed to agree on (at most). */
        substituteAgreement: z.number().gt(0).lt(1).default(0.5),
        /** Significance of each one-sided binomial test. */
        alpha: z.number().gt(0).lt(0.5).default(0.05),
        /** A challenge agrees when the answer matches the reference up to this share of its words. */
        prefixAgreement: z.number().gt(0).max(1).default(0.5),
        /** Challenges considered per supplier × service (the most recent). */
        window: z.number().int().positive().default(200),
      })
      .strict()
      .prefault({}),
    claimAudit: z
      .object({
        /**
         * Applications whose every relay this watcher sends (delegated to it alone): their
         * settled claims are audited against the probes sent. Empty: no audit.
         */
        applications: z.array(z.string()).default([]),
        /** Chance of flagging an honest claim, per claim (binomial tail of relay mining). */
        falseFlagRate: z.number().gt(0).lt(1).default(1e-6),
        /** How often settled claims are read. */
        refreshMs: z.number().int().positive().default(60_000),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        /** Largest `max_tokens` a probe asks for. */
        maxTokens: z.number().int().positive().default(48),
        /** A probe that has not finished by then counts as failed. */
        timeoutMs: z.number().int().positive().default(120_000),
      })
      .strict()
      .prefault({}),
    store: z
      .object({
        /** SQLite file of probes and reports; `:memory:` keeps nothing. */
        path: z.string().min(1).default('.decai/watcher.sqlite'),
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
  .refine((c) => c.verdict.substituteAgreement < c.verdict.honestAgreement, {
    message: 'verdict.substituteAgreement must be below verdict.honestAgreement',
  })

export type WatcherConfigInput = z.input<typeof watcherConfigSchema>
export type WatcherConfig = z.output<typeof watcherConfigSchema>

/** Validates a config object and fills in defaults. */
export function parseWatcherConfig(input: unknown): WatcherConfig {
  const result = watcherConfigSchema.safeParse(input)
  if (!result.success) {
    const details = result.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ')
    throw new WatcherError('INVALID_CONFIG', 'Invalid watcher config.', { details })
  }
  return result.data
}

/** Reads, expands and validates a YAML or JSON config file. */
export function loadWatcherConfig(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): WatcherConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw new WatcherError('INVALID_CONFIG', `Cannot read config file ${path}.`, { cause })
  }
  let raw: unknown
  try {
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (cause) {
    throw new WatcherError('INVALID_CONFIG', `Cannot parse config file ${path}.`, { cause })
  }
  return parseWatcherConfig(
    expandEnvVariables(
      raw ?? {},
      env,
      (name) =>
        new WatcherError('INVALID_CONFIG', 'Invalid watcher config.', {
          details: `environment variable ${name} is not set`,
        }),
    ),
  )
}
