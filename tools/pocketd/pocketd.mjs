#!/usr/bin/env node
// pocketd localnet: build poktroll's pocketd from the Go module proxy and run a one-node chain on
// loopback. See docs/pocketd.md.
//
//   node tools/pocketd/pocketd.mjs build [--force]
//   node tools/pocketd/pocketd.mjs init  [--home DIR] [--block-time 500ms]
//   node tools/pocketd/pocketd.mjs start [--home DIR] [--port 26757] [--reset] [--foreground]
//   node tools/pocketd/pocketd.mjs stop  [--home DIR]
//   node tools/pocketd/pocketd.mjs smoke [--port 26857] [--keep]
//   node tools/pocketd/pocketd.mjs interop [--port 26957]
//   node tools/pocketd/pocketd.mjs e2e [--port 27057]
//   node tools/pocketd/pocketd.mjs relayminer-devnet [--port 27357]
//   node tools/pocketd/pocketd.mjs tokens [--port 27157]
//   node tools/pocketd/pocketd.mjs vectors
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { buildPocketd } from './lib/build.mjs'
import { generateAddressVectors, generateGenesisVectors } from './lib/genesis-vectors.mjs'
import { isPocketdError, PocketdError } from './lib/process.mjs'
import { runSmoke } from './lib/smoke.mjs'
import {
  applyParams,
  DEFAULT_RPC_PORT,
  getDefaultHome,
  initPocketd,
  isNodeRunning,
  startPocketd,
  stopPocketdHome,
} from './localnet.mjs'

const USAGE = `usage: pocketd.mjs <build|init|start|stop|smoke|interop|e2e|relayminer-devnet|tokens|vectors> [options]
  build  [--force]                       build (or reuse) the cached binary; prints its path
  init   [--home DIR] [--block-time T]   fresh home with TEST keys and genesis
  start  [--home DIR] [--port N] [--reset] [--block-time T] [--foreground]
                                         start the node, wait for blocks, print JSON
  stop   [--home DIR]                    stop the node started by \`start\`
  smoke  [--port N] [--keep]             build, init, start, txs and queries, stop
  interop [--port N]                     our SDK's relays through poktroll's RelayMiner, settled
  e2e    [--port N]                      our supplier beside poktroll's RelayMiner: relays, claims, proofs, settlement
  relayminer-devnet [--port N]           pocketd's CLI and RelayMiner on the devnet's gRPC: queries, relays, settlement
  tokens [--port N]                      token metering: one relay per quantum, claims, proofs, settlement
  vectors                                pocketd's verdicts on genesis params and addresses (devnet tests)`

const options = {
  home: { type: 'string' },
  port: { type: 'string' },
  'block-time': { type: 'string' },
  reset: { type: 'boolean' },
  force: { type: 'boolean' },
  foreground: { type: 'boolean' },
  keep: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
}

async function main() {
  const { values, positionals } = parseArgs({ options, allowPositionals: true })
  const [command] = positionals
  if (values.help || !command) return void console.log(USAGE)
  const home = values.home ?? getDefaultHome()
  const blockTime = values['block-time'] ? { blockTime: values['block-time'] } : {}

  switch (command) {
    case 'build': {
      console.log(await buildPocketd({ force: values.force ?? false }))
      return
    }
    case 'init': {
      assertStopped(home)
      const binary = await buildPocketd()
      const { accounts } = await initPocketd({ binary, home, ...blockTime })
      console.log(JSON.stringify({ home, accounts: accounts.map(publicView) }, null, 2))
      return
    }
    case 'start': {
      assertStopped(home)
      const port = parsePort(values.port, DEFAULT_RPC_PORT)
      const foreground = values.foreground ?? false
      const node = await startPocketd({
        home,
        port,
        reset: values.reset ?? false,
        detached: !foreground,
        ...blockTime,
      })
      const { stop, ...shown } = node
      console.log(JSON.stringify(shown, null, 2))
      if (!foreground) return
      const shutdown = () => void stop().then(() => process.exit(0))
      process.on('SIGINT', shutdown)
      process.on('SIGTERM', shutdown)
      return
    }
    case 'stop': {
      const stopped = await stopPocketdHome(home)
      console.log(stopped ? `stopped the node in ${home}` : `no node running in ${home}`)
      return
    }
    case 'smoke': {
      const failed = await runSmoke({
        port: parsePort(values.port, 26857),
        keep: values.keep ?? false,
      })
      process.exitCode = failed > 0 ? 1 : 0
      return
    }
    case 'interop': {
      const port = parsePort(values.port, 26957)
      process.exitCode = await runScript('relayminer-interop.ts', { POCKETD_INTEROP_PORT: port })
      return
    }
    case 'e2e': {
      const port = parsePort(values.port, 27057)
      process.exitCode = await runScript('supplier-e2e.ts', { POCKETD_E2E_PORT: port })
      return
    }
    case 'relayminer-devnet': {
      const port = parsePort(values.port, 27357)
      const binary = await buildPocketd()
      process.exitCode = await runScript('relayminer-devnet.ts', {
        DEVNET_GRPC_PORT: port,
        POCKETD_BINARY: binary,
      })
      return
    }
    case 'tokens': {
      const port = parsePort(values.port, 27157)
      process.exitCode = await runScript('tokens-e2e.ts', { POCKETD_TOKENS_PORT: port })
      return
    }
    case 'vectors': {
      const binary = await buildPocketd()
      const { home: template } = await initPocketd({ binary, home: temporaryHome() })
      try {
        console.log(await generateGenesisVectors({ binary, home: template, applyParams }))
        console.log(generateAddressVectors({ binary, home: template }))
      } finally {
        rmSync(template, { recursive: true, force: true })
      }
      return
    }
    default:
      throw new PocketdError('INVALID_ARGUMENT', `Unknown command "${command}".`, {
        details: USAGE,
      })
  }
}

/** The interop and e2e checks are TypeScript (they use the sources): run them with tsx. */
function runScript(name, env) {
  const script = fileURLToPath(new URL(name, import.meta.url))
  const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url))
  const child = spawn(tsx, [script], {
    stdio: 'inherit',
    env: {
      ...process.env,
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
    },
  })
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)))
}

const temporaryHome = () => mkdtempSync(join(tmpdir(), 'decai-pocketd-'))

function parsePort(text, fallback) {
  if (text === undefined) return fallback
  const port = Number(text)
  if (!Number.isInteger(port) || port <= 0 || port > 65_532) {
    throw new PocketdError('INVALID_ARGUMENT', `--port: ${text} is not a usable port.`)
  }
  return port
}

function assertStopped(home) {
  if (isNodeRunning(home)) {
    throw new PocketdError('START_FAILED', `A node is running in ${home}.`, {
      details: 'Run `pnpm pocketd stop` first.',
    })
  }
}

const publicView = ({ name, address, mnemonic, index, hdPath }) => ({
  name,
  address,
  mnemonic,
  index,
  hdPath,
})

main().catch((error) => {
  console.error(isPocketdError(error) ? `pocketd: ${error.message}` : error)
  process.exit(1)
})
