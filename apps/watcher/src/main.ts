#!/usr/bin/env -S npx tsx
// decai-watcher: run the watcher, or verify a report offline.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { isWatcherError } from './errors.js'
import { verifyReport } from './verify.js'
import { startWatcher } from './watcher.js'

const usage = `Usage:
  decai-watcher [start] --config <file>           run the watcher (YAML or JSON config)
  decai-watcher verify <report.json> [--watcher <address>]
                                                  re-verify a signed report offline

The config path may also come from DECAI_WATCHER_CONFIG.`

async function main(argv: string[]): Promise<void> {
  const args = argv[0] === '--' ? argv.slice(1) : argv
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      watcher: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(usage)
    return
  }
  const [command = 'start', file] = positionals
  if (command === 'verify') {
    if (!file) {
      console.error(usage)
      process.exit(2)
    }
    const text = readFileSync(file, 'utf8')
    const result = verifyReport(text, values.watcher ? { watcher: values.watcher } : {})
    for (const e of result.report.entries)
      console.log(
        `${e.serviceId} ${e.supplier}: ${e.verdict} (confidence ${e.confidence}, ${e.agreed}/${e.samples} challenges agree)`,
      )
    console.log(
      `OK: report of ${result.report.createdAt} by ${result.report.watcher.address} verifies (${result.entries} entries, ${result.challenges} signed challenges).`,
    )
    return
  }
  if (command !== 'start') {
    console.error(usage)
    process.exit(2)
  }
  const configPath = values.config ?? process.env['DECAI_WATCHER_CONFIG']
  if (!configPath) {
    console.error(`${usage}\n\nMissing --config.`)
    process.exit(2)
  }
  const watcher = await startWatcher({ configPath })
  const shutdown = () => {
    void watcher.stop().then(() => process.exit(0))
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (isWatcherError(error)) console.error(`${error.code}: ${error.message}`)
  else console.error(error)
  process.exit(1)
})
