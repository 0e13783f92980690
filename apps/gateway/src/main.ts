#!/usr/bin/env -S npx tsx
// decai-gateway: run the gateway, or manage its API keys in its store (SQLite or PostgreSQL).
import { parseArgs } from 'node:util'
import { createLogger } from '@decai/app-kit/logger'
import { loadGatewayConfig } from './config.js'
import { isGatewayError } from './errors.js'
import { startGateway } from './gateway.js'
import { openKeyStore } from './open-key-store.js'
import { openKeyLimits, updateKey } from './update-key.js'

const usage = `Usage:
  decai-gateway [start] --config <file>        run the gateway (YAML or JSON config)
  decai-gateway keys create [--name <n>] [--rpm <n>] [--tpm <n>] [--budget <usd>]
                            [--models <a,b>] [--application <address>] [--expires <iso date>]
  decai-gateway keys list
  decai-gateway keys show <id>
  decai-gateway keys update <id> [--rpm <n|none>] [--tpm <n|none>] [--budget <usd|none>] [--spent <usd>]
  decai-gateway keys revoke <id>
  decai-gateway keys usage <id> [--limit <n>]

The keys commands take --config <file> (its store) or --store <sqlite file>.
The config path may also come from DECAI_GATEWAY_CONFIG.`

function fail(message: string): never {
  console.error(message)
  process.exit(2)
}

function numberOrNull(name: string, value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined
  if (value === 'none') return null
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) fail(`--${name} must be a non-negative number or "none"`)
  return n
}

async function main(argv: string[]): Promise<void> {
  // pnpm passes a literal `--` before script arguments.
  const args = argv[0] === '--' ? argv.slice(1) : argv
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      store: { type: 'string' },
      name: { type: 'string' },
      rpm: { type: 'string' },
      tpm: { type: 'string' },
      budget: { type: 'string' },
      spent: { type: 'string' },
      models: { type: 'string' },
      application: { type: 'string' },
      expires: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(usage)
    return
  }
  const configPath = values.config ?? process.env['DECAI_GATEWAY_CONFIG']
  const [command = 'start', sub, id] = positionals

  if (command === 'start') {
    if (!configPath) fail(`${usage}\n\nMissing --config.`)
    const gateway = await startGateway({ configPath })
    const shutdown = () => {
      void gateway.stop().then(() => process.exit(0))
    }
    process.once('SIGINT', shutdown)
    process.once('SIGTERM', shutdown)
    return
  }

  if (command !== 'keys') fail(usage)
  const config =
    values.store === undefined && configPath ? loadGatewayConfig(configPath) : undefined
  const storeConfig =
    values.store !== undefined ? { kind: 'sqlite' as const, path: values.store } : config?.store
  if (!storeConfig) fail('The keys commands need --config <file> or --store <sqlite file>.')
  const store = await openKeyStore(storeConfig)
  try {
    const print = (value: unknown) => console.log(JSON.stringify(value, null, 2))
    const expiresAt =
      values.expires === undefined
        ? undefined
        : Number.isNaN(Date.parse(values.expires))
          ? fail('--expires must be a date')
          : Date.parse(values.expires)
    const limits = {
      rpm: numberOrNull('rpm', values.rpm),
      tpm: numberOrNull('tpm', values.tpm),
      budgetUsd: numberOrNull('budget', values.budget),
      models: values.models === undefined ? undefined : values.models.split(',').filter(Boolean),
      application: values.application,
      expiresAt,
    }
    switch (sub) {
      case 'create': {
        const { key, record } = await store.create({ name: values.name, ...limits })
        print({ key, ...record })
        console.error('Store the key now: it is not shown again.')
        break
      }
      case 'list':
        print(await store.list())
        break
      case 'show':
        if (!id) fail('keys show <id>')
        print({ ...(await store.get(id)), usage: await store.summarize(id) })
        break
      case 'update': {
        if (!id) fail('keys update <id> …')
        const spent = numberOrNull('spent', values.spent)
        // The replicas' shared limits too: a spend set here must replace the one they mirror.
        const shared = await openKeyLimits(
          config?.sharedState,
          createLogger({ level: 'warn', write: (line) => console.error(line) }),
        )
        try {
          print(
            await updateKey(store, shared.limits, id, {
              ...limits,
              ...(values.name !== undefined ? { name: values.name } : {}),
              ...(spent !== undefined && spent !== null ? { spentUsd: spent } : {}),
            }),
          )
        } finally {
          await shared.close()
        }
        break
      }
      case 'revoke':
        if (!id) fail('keys revoke <id>')
        print(await store.revoke(id))
        break
      case 'usage':
        if (!id) fail('keys usage <id>')
        print({
          summary: await store.summarize(id),
          data: await store.getUsage(id, { limit: Number(values.limit ?? 20) || 20 }),
        })
        break
      default:
        fail(usage)
    }
  } finally {
    await store.close()
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (isGatewayError(error)) console.error(`${error.code}: ${error.message}`)
  else console.error(error)
  process.exit(1)
})
