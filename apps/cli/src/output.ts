// What the CLI prints: results on stdout, progress and status on stderr. On a terminal a status
// line is rewritten in place; otherwise each new status is one line, so logs stay readable.

export type Output = {
  /** A result line (stdout). */
  line(text?: string): void
  /** Raw text to stdout (streamed tokens). */
  write(text: string): void
  /** A note (stderr). */
  note(text: string): void
  /** A status that changes while waiting; `done` ends it. */
  status(text: string): void
  done(text?: string): void
  json(value: unknown): void
}

export type OutputStreams = {
  stdout: { write(text: string): unknown; isTTY?: boolean }
  stderr: { write(text: string): unknown; isTTY?: boolean }
}

export function createOutput(streams: OutputStreams = process): Output {
  const tty = streams.stderr.isTTY === true
  let last: string | undefined
  let open = false
  const clear = () => {
    if (open && tty) streams.stderr.write('\r\x1b[2K')
    open = false
  }
  return {
    line(text = '') {
      clear()
      streams.stdout.write(`${text}\n`)
    },
    write(text) {
      streams.stdout.write(text)
    },
    note(text) {
      clear()
      streams.stderr.write(`${text}\n`)
    },
    status(text) {
      if (text === last && (open || !tty)) return
      last = text
      if (tty) {
        streams.stderr.write(`\r\x1b[2K${text}`)
        open = true
      } else streams.stderr.write(`${text}\n`)
    },
    done(text) {
      clear()
      last = undefined
      if (text !== undefined) streams.stderr.write(`${text}\n`)
    },
    json(value) {
      clear()
      streams.stdout.write(
        `${JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
      )
    },
  }
}

/** uPOKT as POKT with up to six decimals: `1234500n` → `1.2345 POKT`. */
export function formatPokt(upokt: bigint): string {
  const sign = upokt < 0n ? '-' : ''
  const abs = upokt < 0n ? -upokt : upokt
  const whole = abs / 1_000_000n
  const fraction = (abs % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '')
  return `${sign}${whole.toLocaleString('en-US')}${fraction ? `.${fraction}` : ''} POKT`
}

/** Left-aligned columns. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = []
  for (const row of rows)
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length)
  return rows.map((row) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '),
  )
}
