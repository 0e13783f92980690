#!/usr/bin/env node
// `pnpm start`: the whole DecAI network on this machine, on embedded defaults. The devnet, a
// service owned by a champion account, two suppliers each with a real small model, and a gateway
// on http://127.0.0.1:3069/v1. Prints what runs, the API key and a curl line; writes the same
// facts to <data dir>/network.json. Ctrl-C stops everything; state stays in the data directory
// and the next start resumes it. Run through tsx (the apps are TypeScript sources).
//
// Options (environment variables in brackets):
//   --data-dir DIR      [DECAI_DATA_DIR]      default: .decai/ at the repository root
//   --reset                                   forget the local chain and start from genesis
//   --suppliers N       [DECAI_SUPPLIERS]     1 to 4, default 2
//   --rpc-port N        [DECAI_RPC_PORT]      default 26657
//   --grpc-port N       [DECAI_GRPC_PORT]     default 9090 (a free one if the RPC port is not 26657)
//   --gateway-port N    [DECAI_GATEWAY_PORT]  default 3069
//   --supplier-port N   [DECAI_SUPPLIER_PORT] first supplier port, default 3071
//   --block-time MS     [DECAI_BLOCK_TIME_MS] default 1000
//   --dashboard-port N  [DECAI_DASHBOARD_PORT] default 3080
//   --watcher-port N    [DECAI_WATCHER_PORT]  default 3070

import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startLocalNetwork } from '../apps/cli/src/local-network.ts'
import { startDashboard } from '../apps/dashboard/src/index.ts'
import * as gateway from '../apps/gateway/src/index.ts'
import * as llm from '../apps/llm-server/src/index.ts'
import * as supplier from '../apps/supplier/src/index.ts'
import * as watcher from '../apps/watcher/src/index.ts'

const root = resolve(fileURLToPath(import.meta.url), '../..')
const env = process.env

const usage = `usage: pnpm start [-- options]

  --data-dir DIR      where state, keys, logs and network.json live (default .decai/)
  --reset             forget the local chain and start again from genesis
  --suppliers N       suppliers, each with its own model server (1 to 4, default 2)
  --rpc-port N        devnet RPC port (default 26657)
  --grpc-port N       devnet gRPC port (default 9090; a free one if the RPC port is not 26657)
  --gateway-port N    gateway port (default 3069)
  --supplier-port N   first supplier port (default 3071)
  --block-time MS     milliseconds between blocks (default 1000)
  --dashboard-port N  champion dashboard port (default 3080)
  --watcher-port N    watcher port (default 3070)`

function options() {
  // pnpm passes a literal `--` through when called as `pnpm start -- --reset`.
  const args = process.argv.slice(2).filter((a) => a !== '--')
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      reset: { type: 'boolean' },
      suppliers: { type: 'string' },
      'rpc-port': { type: 'string' },
      'grpc-port': { type: 'string' },
      'gateway-port': { type: 'string' },
      'supplier-port': { type: 'string' },
      'block-time': { type: 'string' },
      'dashboard-port': { type: 'string' },
      'watcher-port': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(usage)
    process.exit(0)
  }
  const number = (flag, variable, fallback) => {
    const text = values[flag] ?? env[variable]
    if (text === undefined) return fallback
    const n = Number(text)
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`--${flag} must be a whole number, not ${text}`)
    return n
  }
  const dataDir = values['data-dir'] ?? env.DECAI_DATA_DIR
  return {
    // Relative paths are the user's: pnpm runs scripts from the root but keeps INIT_CWD.
    dataDir: dataDir ? resolve(env.INIT_CWD ?? process.cwd(), dataDir) : resolve(root, '.decai'),
    reset: values.reset === true,
    suppliers: number('suppliers', 'DECAI_SUPPLIERS', 2),
    rpcPort: number('rpc-port', 'DECAI_RPC_PORT', 26657),
    grpcPort: number('grpc-port', 'DECAI_GRPC_PORT', undefined),
    gatewayPort: number('gateway-port', 'DECAI_GATEWAY_PORT', 3069),
    supplierPort: number('supplier-port', 'DECAI_SUPPLIER_PORT', 3071),
    blockTimeMs: number('block-time', 'DECAI_BLOCK_TIME_MS', 1000),
    dashboardPort: number('dashboard-port', 'DECAI_DASHBOARD_PORT', 3080),
    watcherPort: number('watcher-port', 'DECAI_WATCHER_PORT', 3070),
  }
}

function banner(info, readyMs) {
  const body = JSON.stringify({
    model: info.model,
    messages: [{ role: 'user', content: 'What is the capital of France? Answer in one sentence.' }],
    max_tokens: 32,
    temperature: 0,
  })
  return [
    '',
    `DecAI local network ready in ${(readyMs / 1000).toFixed(1)} s (a real completion went through the gateway).`,
    '',
    `  chain       ${info.rpcUrl}  (chain id ${info.chainId}, embedded devnet)`,
    `  gRPC        ${info.grpcAddress}`,
    `  service     ${info.serviceId}: ${info.model}, owned by the champion ${info.champion.address}`,
    `  gateway     ${info.gateway.baseUrl}  (OpenAI-compatible)`,
    `  dashboard   ${info.dashboard.url}  (the champion's revenue share)`,
    `  application ${info.application.address}  (delegates to the gateway ${info.gateway.address})`,
    ...info.suppliers.map(
      (s) => `  ${s.name.padEnd(11)} ${s.url}  ${s.operatorAddress}  (metrics ${s.metricsUrl})`,
    ),
    ...(info.watcher
      ? [`  watcher     ${info.watcher.url}  (reports ${info.watcher.url}/reports/latest)`]
      : []),
    '',
    `  API key     ${info.gateway.apiKey}`,
    `  facts       ${info.dataDir}/network.json   logs ${info.dataDir}/logs/`,
    '',
    'Try it:',
    '',
    `  curl -s ${info.gateway.baseUrl}/chat/completions \\`,
    `    -H 'Authorization: Bearer ${info.gateway.apiKey}' -H 'Content-Type: application/json' \\`,
    `    -d '${body}'`,
    '',
    'or with the CLI (docs/quickstart.md): pnpm devnet:cli chat "What is the capital of France?"',
    '',
    'The keys here are public TEST keys. Ctrl-C stops the network; the next `pnpm start` resumes it.',
    '',
  ].join('\n')
}

let network
let dashboard
let stopping = false
let signalledAt = 0

async function shutdown(signal) {
  // Ctrl-C reaches this process twice (from the terminal and relayed by tsx): a second signal
  // forces the exit only when it comes later.
  const now = Date.now()
  if (stopping && now - signalledAt < 1000) return
  signalledAt = now
  if (stopping) {
    console.error('\nforced exit')
    process.exit(1)
  }
  stopping = true
  console.log(`\n${signal}: stopping the local network (Ctrl-C again to force)…`)
  try {
    await dashboard?.stop()
    await network?.stop()
    console.log('stopped; state kept for the next start.')
    process.exit(0)
  } catch (error) {
    console.error(error)
    process.exit(1)
  }
}

process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))

try {
  const opts = options()
  console.log(`Starting the DecAI local network in ${opts.dataDir} …`)
  network = await startLocalNetwork({ ...opts, llm, supplier, gateway, watcher })
  // The champion dashboard indexes the local chain; its URL joins network.json.
  dashboard = await startDashboard({
    rpcUrl: network.info.rpcUrl,
    dbPath: join(opts.dataDir, 'state', 'dashboard.sqlite'),
    port: opts.dashboardPort,
    // The dashboard shows the watcher's verdicts per supplier when one runs.
    watcherUrl: network.info.watcher?.url,
  })
  const factsPath = join(opts.dataDir, 'network.json')
  const facts = {
    ...JSON.parse(readFileSync(factsPath, 'utf8')),
    dashboard: { url: dashboard.url },
  }
  writeFileSync(factsPath, `${JSON.stringify(facts, null, 2)}\n`)
  network.info.dashboard = facts.dashboard
  if (stopping) {
    await dashboard.stop()
    await network.stop()
  } else console.log(banner(network.info, network.readyMs))
} catch (error) {
  console.error(`\npnpm start: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
