// The config sections the apps share (zod pieces) and the one way they read a config file:
// YAML or JSON, camelCase keys, `${ENV_VAR}` substituted in strings, every issue reported with
// its path. Each app raises its own typed error (`INVALID_CONFIG`) through `invalid`.
import { readFileSync } from 'node:fs'
import {
  getPublicKey,
  privateKeyFromHex,
  privateKeyFromMnemonic,
  pubkeyToAddress,
} from '@decai/crypto'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { expandEnvVariables } from './config-env.js'
import { DEFAULT_CORS_MAX_AGE_SECONDS, isCorsOrigin } from './cors.js'

/** A 32-byte secp256k1 private key in hex (`0x` optional), normalised to lower case, no `0x`. */
export const hexPrivateKeySchema = z
  .string()
  .regex(/^(0x)?[0-9a-fA-F]{64}$/, 'a 32-byte hex private key')
  .transform((s) => s.replace(/^0x/, '').toLowerCase())

/** Where the app's HTTP server listens. */
export function createListenSchema(defaultPort: number) {
  return z
    .object({
      host: z.string().default('127.0.0.1'),
      /** 0 picks a free port. */
      port: z.number().int().min(0).max(65535).default(defaultPort),
    })
    .strict()
    .prefault({})
}

/** The node the app reads the chain from. */
export const chainSchema = z
  .object({
    /** A node's CometBFT RPC. */
    rpcUrl: z.string().url().default('http://127.0.0.1:26657'),
    /** How new blocks are noticed: websocket subscription, polling, or both (auto). */
    blockTransport: z.enum(['auto', 'websocket', 'polling']).default('auto'),
    pollingIntervalMs: z.number().int().positive().default(1000),
  })
  .strict()
  .prefault({})

/** A staked key given as exactly one of a hex private key and a mnemonic (named `section`). */
export function createKeySchema(section: string) {
  return z
    .object({
      /** The staked key (hex). */
      privateKey: hexPrivateKeySchema.optional(),
      /** Or its mnemonic (derived at m/44'/118'/0'/0/0). */
      mnemonic: z.string().min(1).optional(),
    })
    .strict()
    .refine((k) => (k.privateKey === undefined) !== (k.mnemonic === undefined), {
      message: `set exactly one of ${section}.privateKey and ${section}.mnemonic`,
    })
}

/**
 * The key a validated key section holds (`createKeySchema`, or any section with exactly one of
 * a hex `privateKey` and a `mnemonic`), with its public key and the address it signs as.
 */
export function loadConfigKey(key: {
  privateKey?: string | undefined
  mnemonic?: string | undefined
}): { privateKey: Uint8Array; publicKey: Uint8Array; address: string } {
  const privateKey =
    key.privateKey !== undefined
      ? privateKeyFromHex(key.privateKey.replace(/^0x/, ''))
      : privateKeyFromMnemonic(key.mnemonic!)
  const publicKey = getPublicKey(privateKey)
  return { privateKey, publicKey, address: pubkeyToAddress(publicKey) }
}

/** Which browser pages may call the app (CORS). */
export const corsSchema = z
  .object({
    /**
     * Origins whose pages may call the app from a browser: exact origins
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
  .prefault({})

/** A service's token metering (`TokenMetering` of `@decai/session`, docs/tokenomics.md). */
export const tokenMeteringSchema = z
  .object({
    /** Weighted tokens per relay (Q). */
    quantum: z.number().int().positive(),
    /** Weight of a prompt token (w_in). */
    inputWeight: z.number().int().nonnegative().default(1),
    /** Weight of a completion token (w_out). */
    outputWeight: z.number().int().nonnegative().default(1),
  })
  .strict()

/** The audit of settled claims against the relays the app sent (`@decai/app-kit/claim-auditor`). */
export const claimAuditSchema = z
  .object({
    /**
     * Applications whose every relay this app sends (delegated to it alone): their settled
     * claims are audited against the relays sent. Empty: no audit.
     */
    applications: z.array(z.string()).default([]),
    /** Chance of flagging an honest claim, per claim (binomial tail of relay mining). */
    falseFlagRate: z.number().gt(0).lt(1).default(1e-6),
    /** How often settled claims are read. */
    refreshMs: z.number().int().positive().default(60_000),
    /**
     * Service ID → the token metering its suppliers apply (docs/tokenomics.md): answers of these
     * services count their verified quanta, fetched from the supplier. Others count per request.
     */
    tokenMetering: z.record(z.string().min(1), tokenMeteringSchema).default({}),
  })
  .strict()
  .prefault({})

/** The SQLite file the app keeps its state in; `:memory:` keeps nothing. */
export function createStoreSchema(defaultPath: string) {
  return z
    .object({ path: z.string().min(1).default(defaultPath) })
    .strict()
    .prefault({})
}

/** An embedded SQLite file (`kind` may be left out: SQLite is the default engine). */
export function createSqliteStoreSchema(defaultPath: string) {
  return z
    .object({ kind: z.literal('sqlite'), path: z.string().min(1).default(defaultPath) })
    .strict()
}

/** A PostgreSQL database shared by several processes (several replicas of an app). */
export const postgresStoreSchema = z
  .object({
    kind: z.literal('postgres'),
    /** `postgres://user:password@host:port/database` (use `${ENV_VAR}` for the password). */
    url: z.string().min(1),
    /** Connections in the pool. */
    maxConnections: z.number().int().positive().default(10),
    /** A connection not made within this fails the query (the store counts as unreachable). */
    connectTimeoutMs: z.number().int().positive().default(5_000),
  })
  .strict()

/**
 * A store that is either an embedded SQLite file (the default, `{ path }`) or PostgreSQL
 * (`{ kind: 'postgres', url }`). An app may pass its own PostgreSQL section (extending
 * `postgresStoreSchema`) for settings only it has.
 */
export function createDatabaseStoreSchema<
  P extends z.ZodObject<{ kind: z.ZodLiteral<'postgres'> }> = typeof postgresStoreSchema,
>(defaultPath: string, postgres?: P) {
  const withKind = (value: unknown) =>
    typeof value === 'object' && value !== null && !('kind' in value)
      ? { ...value, kind: 'sqlite' }
      : value
  return z
    .preprocess(
      withKind,
      z.discriminatedUnion('kind', [
        createSqliteStoreSchema(defaultPath),
        (postgres ?? postgresStoreSchema) as P,
      ]),
    )
    .prefault({})
}

export const logSchema = z
  .object({
    level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  })
  .strict()
  .prefault({})

/** Makes the app's config error from a message and either `details` or a `cause`. */
export type ConfigErrorFactory = (
  message: string,
  options: { details: string } | { cause: unknown },
) => Error

/** Validates `input` against `schema`; every issue goes, with its path, into one error. */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
  invalid: ConfigErrorFactory,
  name: string,
): z.output<S> {
  const result = schema.safeParse(input)
  if (!result.success) {
    const details = result.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ')
    throw invalid(`Invalid ${name} config.`, { details })
  }
  return result.data
}

/** Replaces `${NAME}` in every string with the environment variable (an error if unset). */
export function expandConfigEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  invalid: ConfigErrorFactory,
  name: string,
): unknown {
  return expandEnvVariables(value, env, (variable) =>
    invalid(`Invalid ${name} config.`, {
      details: `environment variable ${variable} is not set`,
    }),
  )
}

/** Reads a YAML or JSON (`.json`) config file and expands `${ENV_VAR}`s; not yet validated. */
export function readConfigFile(
  path: string,
  env: NodeJS.ProcessEnv,
  invalid: ConfigErrorFactory,
  name: string,
): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw invalid(`Cannot read config file ${path}.`, { cause })
  }
  let raw: unknown
  try {
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (cause) {
    throw invalid(`Cannot parse config file ${path}.`, { cause })
  }
  return expandConfigEnv(raw ?? {}, env, invalid, name)
}
