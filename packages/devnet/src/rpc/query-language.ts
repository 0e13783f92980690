// CometBFT's event query language (pubsub/query): conditions joined by AND, each
// `key op operand` with =, <, <=, >, >=, CONTAINS or EXISTS, strings in single quotes.

export type Condition = {
  key: string
  op: '=' | '<' | '<=' | '>' | '>=' | 'CONTAINS' | 'EXISTS'
  value: string | number | undefined
}

export class QueryError extends Error {}

/** Parses a query; throws `QueryError` on malformed input. */
export function parseQuery(text: string): Condition[] {
  const conditions: Condition[] = []
  let rest = text.trim()
  if (rest === '') return conditions
  for (;;) {
    const match = /^([A-Za-z0-9_.\-/]+)\s*(<=|>=|=|<|>|CONTAINS\b|EXISTS\b)\s*/.exec(rest)
    if (!match) throw new QueryError(`cannot parse query near "${rest.slice(0, 40)}"`)
    const key = match[1]!
    const op = match[2] as Condition['op']
    rest = rest.slice(match[0].length)
    let value: string | number | undefined
    if (op !== 'EXISTS') {
      if (rest.startsWith("'")) {
        const end = rest.indexOf("'", 1)
        if (end < 0) throw new QueryError('unterminated string in query')
        value = rest.slice(1, end)
        rest = rest.slice(end + 1)
      } else {
        const num = /^-?\d+(\.\d+)?/.exec(rest)
        if (!num) throw new QueryError(`expected an operand for ${key}`)
        value = Number(num[0])
        rest = rest.slice(num[0].length)
      }
    }
    conditions.push({ key, op, value })
    rest = rest.trim()
    if (rest === '') return conditions
    const and = /^AND\s+/i.exec(rest)
    if (!and) throw new QueryError(`expected AND near "${rest.slice(0, 40)}"`)
    rest = rest.slice(and[0].length)
  }
}

/** Whether composite-key values (`type.key` -> values) satisfy every condition. */
export function matchesQuery(conditions: Condition[], values: Map<string, string[]>): boolean {
  return conditions.every((c) => {
    const candidates = values.get(c.key)
    if (c.op === 'EXISTS') return candidates !== undefined && candidates.length > 0
    if (!candidates) return false
    return candidates.some((v) => compare(c, v))
  })
}

function compare(c: Condition, actual: string): boolean {
  if (c.op === 'CONTAINS') return actual.includes(String(c.value))
  if (typeof c.value === 'number') {
    const n = Number(actual)
    if (Number.isNaN(n)) return false
    switch (c.op) {
      case '=':
        return n === c.value
      case '<':
        return n < c.value
      case '<=':
        return n <= c.value
      case '>':
        return n > c.value
      case '>=':
        return n >= c.value
    }
  }
  const v = String(c.value)
  switch (c.op) {
    case '=':
      return actual === v
    case '<':
      return actual < v
    case '<=':
      return actual <= v
    case '>':
      return actual > v
    case '>=':
      return actual >= v
  }
  return false
}

/** The height range a query pins `tx.height` to, for a cheaper scan. */
export function heightBounds(conditions: Condition[]): { min: bigint; max: bigint | undefined } {
  let min = 0n
  let max: bigint | undefined
  for (const c of conditions) {
    if (c.key !== 'tx.height' || typeof c.value !== 'number') continue
    const v = BigInt(Math.trunc(c.value))
    if (c.op === '=') {
      min = v > min ? v : min
      max = max === undefined || v < max ? v : max
    } else if (c.op === '>=' || c.op === '>') {
      const lo = c.op === '>' ? v + 1n : v
      if (lo > min) min = lo
    } else if (c.op === '<=' || c.op === '<') {
      const hi = c.op === '<' ? v - 1n : v
      if (max === undefined || hi < max) max = hi
    }
  }
  return { min, max }
}
