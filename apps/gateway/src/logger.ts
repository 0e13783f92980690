// Structured logs: one JSON object per line (time, level, msg, then fields), ready for any log
// shipper. No dependency; the gateway logs a line per request and per routing event.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'
export type LogFields = Record<string, unknown>

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export type CreateLoggerOptions = {
  level?: LogLevel
  /** Where lines go (default: stdout). */
  write?: (line: string) => void
  fields?: LogFields
}

/** A JSON-lines logger. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const threshold = rank[options.level ?? 'info']
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`))
  const base = options.fields ?? {}
  const log = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields) => {
    if (rank[level] < threshold) return
    write(
      JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields }, replacer),
    )
  }
  return {
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  }
}

// bigint and errors are not JSON; log them readably.
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Error)
    return { name: value.name, message: value.message, code: (value as { code?: unknown }).code }
  return value
}
