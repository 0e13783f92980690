// Structured logs: one JSON object per line (`time`, `level`, `msg`, then fields), the shape
// log shippers (Loki, Elastic, CloudWatch) index without parsing rules.

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

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export type CreateLoggerParameters = {
  level?: LogLevel
  /** Where lines go; stdout by default. */
  write?: (line: string) => void
  fields?: LogFields
}

/** A JSON-lines logger. Bigints print as strings, errors as `{ code, message }`. */
export function createLogger(parameters: CreateLoggerParameters = {}): Logger {
  const threshold = rank[parameters.level ?? 'info']
  const write = parameters.write ?? ((line: string) => process.stdout.write(`${line}\n`))
  const make = (base: LogFields): Logger => {
    const log = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields) => {
      if (rank[level] < threshold) return
      write(
        JSON.stringify(
          { time: new Date().toISOString(), level, msg, ...base, ...fields },
          replacer,
        ),
      )
    }
    return {
      debug: (msg, fields) => log('debug', msg, fields),
      info: (msg, fields) => log('info', msg, fields),
      warn: (msg, fields) => log('warn', msg, fields),
      error: (msg, fields) => log('error', msg, fields),
      child: (fields) => make({ ...base, ...fields }),
    }
  }
  return make(parameters.fields ?? {})
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
  if (value instanceof Error) {
    const { code } = value as { code?: unknown }
    return { ...(code === undefined ? {} : { code }), message: value.message }
  }
  return value
}
