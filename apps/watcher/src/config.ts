import {
  type ConfigErrorFactory,
  chainSchema,
  claimAuditSchema,
  createKeySchema,
  createListenSchema,
  createStoreSchema,
  logSchema,
  parseConfig,
  readConfigFile,
} from '@decai/app-kit/config'
import { z } from 'zod'
import { WatcherError } from './errors.js'

// The watcher's config: YAML or JSON, camelCase keys, `${ENV_VAR}` substituted in strings. Only
// the watcher's gateway key and the watched services are required.

const invalid: ConfigErrorFactory = (message, options) =>
  new WatcherError('INVALID_CONFIG', message, options)

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
    listen: createListenSchema(3070),
    chain: chainSchema,
    /**
     * The watcher's key: a staked gateway that the probed applications delegate to (beside the
     * real gateway), so probes are ring-signed by a member of the same ring as user traffic.
     * It also signs the reports.
     */
    watcher: createKeySchema('watcher'),
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
    claimAudit: claimAuditSchema,
    limits: z
      .object({
        /** Largest `max_tokens` a probe asks for. */
        maxTokens: z.number().int().positive().default(48),
        /** A probe that has not finished by then counts as failed. */
        timeoutMs: z.number().int().positive().default(120_000),
      })
      .strict()
      .prefault({}),
    /** SQLite file of probes and reports. */
    store: createStoreSchema('.decai/watcher.sqlite'),
    log: logSchema,
  })
  .strict()
  .refine((c) => c.verdict.substituteAgreement < c.verdict.honestAgreement, {
    message: 'verdict.substituteAgreement must be below verdict.honestAgreement',
  })

export type WatcherConfigInput = z.input<typeof watcherConfigSchema>
export type WatcherConfig = z.output<typeof watcherConfigSchema>

/** Validates a config object and fills in defaults. */
export function parseWatcherConfig(input: unknown): WatcherConfig {
  return parseConfig(watcherConfigSchema, input, invalid, 'watcher')
}

/** Reads, expands and validates a YAML or JSON config file. */
export function loadWatcherConfig(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): WatcherConfig {
  return parseWatcherConfig(readConfigFile(path, env, invalid, 'watcher'))
}
