import { type DestinationStream, pino } from 'pino'

// Structured logs through pino: one JSON object per line (`level`, `time`, fields, `msg`), the
// shape log shippers (Loki, Elastic, CloudWatch) index without parsing rules. The apps call
// `logger.info(msg, fields)`; pino does the levels, child bindings and the fast serialisation.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'
export type LogFields = Record<string, unknown>

export type Logger = {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger
}

export type CreateLoggerParameters = {
  level?: LogLevel
  /** Where lines go (without their newline); stdout by default. */
  write?: (line: string) => void
  /** Fields on every line. */
  fields?: LogFields
}

/**
 * A JSON-lines logger. `time` is ISO 8601, `level` its name; bigints print as strings, bytes as
 * hex, errors as `{ name, code, message }`; on `error` lines also with their `stack` and `cause`
 * chain, so an unexpected failure can be traced from its line alone.
 */
export function createLogger(parameters: CreateLoggerParameters = {}): Logger {
  const { write } = parameters
  const destination: DestinationStream = write
    ? { write: (line: string) => write(line.endsWith('\n') ? line.slice(0, -1) : line) }
    : pino.destination({ dest: 1, sync: true })
  const root = pino(
    {
      level: parameters.level ?? 'info',
      // No pid or hostname: the shipper adds where a line came from.
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: toLoggableFields,
      },
    },
    destination,
  )
  return wrap(parameters.fields ? root.child(toLoggableFields(parameters.fields)) : root)
}

function wrap(logger: pino.Logger): Logger {
  return {
    debug: (msg, fields) => logger.debug(fields ?? {}, msg),
    info: (msg, fields) => logger.info(fields ?? {}, msg),
    warn: (msg, fields) => logger.warn(fields ?? {}, msg),
    error: (msg, fields) => logger.error(fields ? toLoggableFields(fields, true) : {}, msg),
    // Child bindings are serialised once, here, not on every line.
    child: (fields) => wrap(logger.child(toLoggableFields(fields))),
  }
}

function toLoggableFields(
  fields: Record<string, unknown>,
  withStacks = false,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(fields)) out[key] = toLoggable(fields[key], 0, withStacks)
  return out
}

// JSON has no bigint, bytes or errors: give each a readable form (bounded depth, so a cyclic
// value cannot loop).
function toLoggable(value: unknown, depth: number, withStacks: boolean): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (typeof value !== 'object' || value === null) return value
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
  if (value instanceof Error) {
    const { code, cause } = value as { code?: unknown; cause?: unknown }
    const error: Record<string, unknown> = {
      name: value.name,
      ...(code === undefined ? {} : { code }),
      message: value.message,
    }
    if (!withStacks) return error
    if (value.stack !== undefined) error['stack'] = value.stack
    if (cause !== undefined && depth < 8) error['cause'] = toLoggable(cause, depth + 1, true)
    return error
  }
  if (depth >= 8) return value
  if (Array.isArray(value)) return value.map((v) => toLoggable(v, depth + 1, withStacks))
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = toLoggable(v, depth + 1, withStacks)
  return out
}
