import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { corsSchema, loadConfigKey, tokenMeteringSchema } from '@decai/app-kit/config'
import { describeError } from '@decai/core'
import { isAddress } from '@decai/crypto'
import { isValidServiceId } from '@decai/session'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { SupplierError } from './errors.js'

// The config file (YAML or JSON, or the same object passed to `startSupplier`). Every field is
// checked before anything starts; a bad one is reported with its path, e.g.
// `services[0].backendUrl: expected an http(s) URL`.

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/
const durationUnits = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const

/** Milliseconds: a number, or text such as `500ms`, `30s`, `2m`, `1h`. */
const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value > 0) return value
    ctx.addIssue({ code: 'custom', message: 'expected a positive number of milliseconds' })
    return z.NEVER
  }
  const match = DURATION.exec(value.trim())
  if (!match) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration such as 30s or 500ms, got "${value}"`,
    })
    return z.NEVER
  }
  const ms = Number(match[1]) * durationUnits[match[2] as keyof typeof durationUnits]
  if (!(ms > 0)) {
    ctx.addIssue({ code: 'custom', message: 'the duration must be positive' })
    return z.NEVER
  }
  return ms
})

const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$/i
const sizeUnits: Record<string, number> = {
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1_000_000,
  mib: 1024 ** 2,
  gb: 1_000_000_000,
  gib: 1024 ** 3,
}

/** Bytes: a number, or text such as `20MiB`, `512KiB`, `4MB`. */
const size = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const bytes =
    typeof value === 'number'
      ? value
      : (() => {
          const match = SIZE.exec(value.trim())
          if (!match) return Number.NaN
          return Math.floor(Number(match[1]) * (sizeUnits[(match[2] ?? 'b').toLowerCase()] ?? 1))
        })()
  if (Number.isSafeInteger(bytes) && bytes > 0) return bytes
  ctx.addIssue({
    code: 'custom',
    message: `expected a positive size such as 20MiB, got "${value}"`,
  })
  return z.NEVER
})

const httpUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value)
      return url.protocol === 'http:' || url.protocol === 'https:'
    } catch {
      return false
    }
  },
  { message: 'expected an http(s) URL' },
)

/** `host:port` (port 0 picks a free one); IPv6 hosts in brackets. */
const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/, {
    message: 'expected host:port, e.g. 127.0.0.1:8545',
  })
  .refine((value) => Number(value.slice(value.lastIndexOf(':') + 1)) <= 65535, {
    message: 'the port must be at most 65535',
  })

const serviceSchema = z.strictObject({
  /** The on-chain service ID this backend serves. */
  id: z.string().refine(isValidServiceId, {
    message: 'expected a service ID (letters, digits, _ and -, at most 42)',
  }),
  /** The backend origin (and optional base path), e.g. `http://127.0.0.1:8080`. */
  backendUrl: httpUrl,
  /** Deadline of a whole relay at the backend, streaming included; default 10 minutes. */
  timeout: duration.default(600_000),
  /** Deadline for the backend's response headers; default: the whole timeout. */
  headersTimeout: duration.optional(),
  /** Largest accepted relay request (the POST body); default 20 MiB. */
  maxRequestBytes: size.default(20 * 1024 * 1024),
  /** Largest backend response body; default 256 MiB. Streams are counted as they go. */
  maxResponseBytes: size.default(256 * 1024 * 1024),
  /** Relays forwarded to the backend at once; more wait in line. Default 64. */
  maxConcurrency: z.number().int().positive().default(64),
  /** Extra headers sent to the backend (an API key), overriding the relay's own. */
  headers: z.record(z.string(), z.string()).default({}),
  /** Forward `Pocket-*` headers (session, supplier, application) to the backend. */
  forwardPocketHeaders: z.boolean().default(false),
  /**
   * Token metering (docs/tokenomics.md): mine one relay per `quantum` weighted tokens of each
   * answer, `ceil((prompt × inputWeight + completion × outputWeight) / quantum)`, instead of one
   * per request. Must match what the service declares to its gateways. Off by default.
   */
  tokenMetering: tokenMeteringSchema
    .extend({
      /**
       * Most quanta mined for one answer (each is a signature and a trie insertion): a backend
       * reporting absurd usage cannot stall the supplier. Default 10,000.
       */
      maxQuanta: z.number().int().positive().default(10_000),
      /**
       * The model's context length in tokens: the completion a request without `max_tokens`
       * can run to, reserved up front by the rate limit. Without it such a request reserves
       * `maxQuanta`.
       */
      contextLength: z.number().int().positive().optional(),
    })
    .optional(),
})

const configSchema = z.strictObject({
  operator: z
    .strictObject({
      /** Hex secp256k1 private key of the supplier operator. */
      privateKey: z
        .string()
        .regex(/^(0x)?[0-9a-fA-F]{64}$/, { message: 'expected 32 bytes of hex' })
        .optional(),
      /** Or a BIP39 mnemonic (first account of the cosmos HD path, as `pocketd keys add`). */
      mnemonic: z.string().optional(),
      /** The operator address the key must have; checked when given. */
      address: z
        .string()
        .refine((a) => isAddress(a, 'pokt'), { message: 'expected a pokt1… address' })
        .optional(),
      /**
       * Sign as `address` with a key that is not its own. The responses then fail every
       * signature check: only for testing clients against a misconfigured supplier.
       */
      allowAddressMismatch: z.boolean().default(false),
    })
    .refine((o) => (o.privateKey === undefined) !== (o.mnemonic === undefined), {
      message: 'give exactly one of privateKey and mnemonic',
    }),
  chain: z.strictObject({
    /** CometBFT RPC of a node, e.g. `http://127.0.0.1:26657`. */
    rpcUrl: httpUrl,
    /** Gas price for claims and proofs; default `1upokt` (what a default node asks). */
    gasPrice: z
      .string()
      .regex(/^\d+(\.\d+)?[a-z][a-z0-9/]*$/, {
        message: 'expected an amount and denom, e.g. 1upokt',
      })
      .default('1upokt'),
    /** How new blocks are learned: websocket with polling fallback (`auto`), or one of them. */
    blocks: z.enum(['auto', 'websocket', 'polling']).default('auto'),
    /** Polling interval for new blocks; default 1 s. */
    pollingInterval: duration.default(1000),
  }),
  /** Where relays are served (poktroll's wire); default `127.0.0.1:8545`. */
  listenAddress: hostPort.default('127.0.0.1:8545'),
  /** Where `/metrics`, `/healthz` and `/usage` are served; `false` turns it off. Not 9090: that is
   * a node's gRPC port, and a supplier often runs beside its node (the devnet's gRPC defaults there). */
  metricsAddress: z.union([hostPort, z.literal(false)]).default('127.0.0.1:9091'),
  /** Origins whose pages may send relays from a browser (`@decai/sdk` in direct mode). */
  cors: corsSchema,
  storage: z.strictObject({
    /** Directory of the session tries and the lifecycle database (created if missing). */
    dir: z.string().min(1),
    /** `full` also survives power loss, at a cost per relay; default `normal` (survives kill -9). */
    synchronous: z.enum(['normal', 'full']).default('normal'),
  }),
  services: z
    .array(serviceSchema)
    .min(1, { message: 'configure at least one service' })
    .refine((list) => new Set(list.map((s) => s.id)).size === list.length, {
      message: 'service IDs must be unique',
    }),
  /**
   * Worker threads that verify relay requests (ring signatures), to use more than one core;
   * default: one per core beyond the first two (none on a 2-core machine), at most 4.
   */
  verifyWorkers: z.number().int().min(0).max(64).optional(),
  rateLimit: z
    .strictObject({
      /** Refuse relays an application cannot pay for this session (poktroll's relay meter). */
      enabled: z.boolean().default(true),
    })
    .prefault({}),
  sessions: z
    .strictObject({
      /** Blocks a settled or failed session's record is kept before it is pruned; default 1000. */
      keepBlocks: z.number().int().nonnegative().default(1000),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    })
    .prefault({}),
})

/** The config as written (YAML, JSON or an object): optional fields may be left out. */
export type SupplierConfigInput = z.input<typeof configSchema>
/** The validated config, defaults applied, durations in ms, sizes in bytes. */
export type SupplierConfig = z.output<typeof configSchema>
export type ServiceConfig = SupplierConfig['services'][number]

/** One invalid field: its path (`services[0].backendUrl`) and what is wrong with it. */
export type ConfigIssue = { path: string; message: string }

function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out === '' ? '(root)' : out
}

function invalidConfig(issues: ConfigIssue[], source?: string): SupplierError {
  const error = new SupplierError(
    'INVALID_CONFIG',
    source === undefined ? 'Invalid supplier config.' : `Invalid supplier config in ${source}.`,
    { details: issues.map((i) => `${i.path}: ${i.message}`).join('\n') },
  )
  return Object.assign(error, { issues })
}

/** The issues of a config error (`INVALID_CONFIG`), one per bad field. */
export function getConfigIssues(error: unknown): ConfigIssue[] {
  const issues = (error as { issues?: unknown } | undefined)?.issues
  return Array.isArray(issues) ? (issues as ConfigIssue[]) : []
}

/**
 * Validates a config object and applies defaults. `baseDir` resolves a relative storage
 * directory (the config file's directory when loaded from a file; the working directory
 * otherwise). Throws `INVALID_CONFIG` listing every bad field with its path.
 */
export function parseSupplierConfig(
  input: unknown,
  options: { baseDir?: string; source?: string } = {},
): SupplierConfig {
  const result = configSchema.safeParse(input)
  if (!result.success) {
    throw invalidConfig(
      result.error.issues.map((issue) => ({
        path: formatPath(issue.path),
        message: issue.message,
      })),
      options.source,
    )
  }
  const config = result.data
  config.storage.dir = resolve(options.baseDir ?? process.cwd(), config.storage.dir)
  let keyAddress: string
  try {
    keyAddress = getOperatorKey(config).keyAddress
  } catch (cause) {
    const path =
      config.operator.mnemonic === undefined ? 'operator.privateKey' : 'operator.mnemonic'
    const message = describeError(cause)
    throw invalidConfig([{ path, message }], options.source)
  }
  // Refuse a key that does not sign for the configured address, unless told it is on purpose.
  if (
    config.operator.address !== undefined &&
    config.operator.address !== keyAddress &&
    !config.operator.allowAddressMismatch
  ) {
    throw invalidConfig(
      [
        {
          path: 'operator.address',
          message: `the key's address is ${keyAddress}, not ${config.operator.address}`,
        },
      ],
      options.source,
    )
  }
  return config
}

/** Reads, parses (YAML or JSON) and validates a config file. */
export function loadSupplierConfig(path: string): SupplierConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw new SupplierError('INVALID_CONFIG', `Cannot read the config file ${path}.`, {
      cause,
    })
  }
  let parsed: unknown
  try {
    parsed = parseYaml(text)
  } catch (cause) {
    throw new SupplierError('INVALID_CONFIG', `The config file ${path} is not valid YAML.`, {
      cause,
    })
  }
  return parseSupplierConfig(parsed ?? {}, { baseDir: dirname(resolve(path)), source: path })
}

/** The operator's private key and the address it signs as. */
export function getOperatorKey(config: SupplierConfig): {
  privateKey: Uint8Array
  publicKey: Uint8Array
  keyAddress: string
  address: string
} {
  const { privateKey, publicKey, address: keyAddress } = loadConfigKey(config.operator)
  return {
    privateKey,
    publicKey,
    keyAddress,
    address: config.operator.address ?? keyAddress,
  }
}
