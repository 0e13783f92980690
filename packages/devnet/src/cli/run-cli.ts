// The `decai-devnet` command (`pnpm devnet` from the repository root): starts a devnet with its
// store on disk, prints where its RPC listens and the funded TEST keys, runs until interrupted.

import { rmSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { describeError } from '@decai/core'
import { type Devnet, startDevnet } from '../devnet.js'
import { DevnetError, isDevnetError } from '../errors.js'
import { TEST_MNEMONIC } from '../keys.js'

export const devnetUsage = `usage: decai-devnet [options]

Starts an embedded POKT Shannon chain (poktroll v0.1.35 rules) with a CometBFT RPC.

  -c, --config FILE      genesis and settings (YAML or JSON); built-in defaults otherwise
      --host HOST        RPC host (default 127.0.0.1)
  -p, --port N           RPC port (default 26657; 0 picks a free one)
      --grpc-port N      gRPC port (or DECAI_GRPC_PORT; default 9090 beside the default
                         RPC port, else a free one; 0 picks a free one)
      --no-grpc          serve no gRPC
      --block-time MS    milliseconds between blocks (default 1000; 0 = only on request
                         with the devnet_produce_blocks RPC method)
      --data-dir DIR     where the SQLite store lives (default .decai/devnet)
      --memory           keep nothing on disk
      --reset            delete the store first and start again from genesis
  -q, --quiet            do not log blocks that carry transactions
  -h, --help             this text`

export type DevnetCliOptions = {
  /** Relative paths resolve against this directory (default: pnpm's INIT_CWD, else the cwd). */
  cwd?: string
  /** Where the banner and block log go (default: stdout). */
  write?: (line: string) => void
}

type ParsedArgs = {
  config?: string | undefined
  host?: string | undefined
  port?: number | undefined
  grpcPort?: number | false | undefined
  blockTimeMs?: number | undefined
  dataDir: string
  reset: boolean
  quiet: boolean
  help: boolean
}

function parseCliArgs(argv: string[], cwd: string): ParsedArgs {
  let values: ReturnType<typeof parse>['values']
  try {
    values = parse(argv).values
  } catch (error) {
    throw new DevnetError('INVALID_CONFIG', 'Invalid command-line arguments.', {
      details: `${describeError(error)}\n\n${devnetUsage}`,
    })
  }
  const at = (path: string) => (isAbsolute(path) ? path : resolve(cwd, path))
  const integer = (name: string, text: string | undefined) => {
    if (text === undefined) return undefined
    const n = Number(text)
    if (!Number.isInteger(n) || n < 0) {
      throw new DevnetError('INVALID_CONFIG', `--${name} must be a non-negative integer.`, {
        details: `got "${text}"`,
      })
    }
    return n
  }
  const dataDir = values.memory ? ':memory:' : at(values['data-dir'] ?? join('.decai', 'devnet'))
  return {
    config: values.config === undefined ? undefined : at(values.config),
    host: values.host,
    port: integer('port', values.port),
    grpcPort:
      values['no-grpc'] === true
        ? false
        : integer('grpc-port', values['grpc-port'] ?? process.env['DECAI_GRPC_PORT']),
    blockTimeMs: integer('block-time', values['block-time']),
    dataDir,
    reset: values.reset === true,
    quiet: values.quiet === true,
    help: values.help === true,
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      config: { type: 'string', short: 'c' },
      host: { type: 'string' },
      port: { type: 'string', short: 'p' },
      'grpc-port': { type: 'string' },
      'no-grpc': { type: 'boolean' },
      'block-time': { type: 'string' },
      'data-dir': { type: 'string' },
      memory: { type: 'boolean' },
      reset: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

const formatPokt = (upokt: bigint) => {
  const whole = upokt / 1_000_000n
  const frac = (upokt % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '')
  return `${whole.toLocaleString('en-US')}${frac ? `.${frac}` : ''} POKT`
}

/** The start-up text: where the chain listens, its session timing and the funded TEST keys. */
export function formatDevnetBanner(devnet: Devnet, dataDir: string, blockTimeMs: number): string {
  const shared = devnet.genesis.params.shared
  const blocks = blockTimeMs > 0 ? `every ${blockTimeMs} ms` : 'on request (devnet_produce_blocks)'
  const lines = [
    'decai devnet: an embedded POKT Shannon chain (poktroll v0.1.35 rules)',
    '',
    `  chain id   ${devnet.chainId}`,
    `  RPC        ${devnet.rpcUrl}`,
    `  websocket  ${devnet.wsUrl}/websocket`,
    `  gRPC       ${devnet.grpcAddress ?? 'off'}`,
    `  height     ${devnet.height}`,
    `  blocks     ${blocks}`,
    `  sessions   ${shared.numBlocksPerSession} blocks; claim window +${shared.claimWindowOpenOffsetBlocks}..+${shared.claimWindowCloseOffsetBlocks}, proof window +${shared.proofWindowOpenOffsetBlocks}..+${shared.proofWindowCloseOffsetBlocks} after the claim window`,
    `  store      ${dataDir === ':memory:' ? 'in memory (nothing kept)' : join(dataDir, 'devnet.sqlite')}`,
    '',
    '  TEST ACCOUNTS: their keys are public. Never send real funds to them.',
  ]
  const withKeys = devnet.accounts.filter((a) => a.privateKey)
  if (withKeys.some((a) => a.mnemonic === TEST_MNEMONIC)) {
    lines.push(`  mnemonic: ${TEST_MNEMONIC}  (HD path m/44'/118'/0'/0/<index>)`)
  }
  lines.push('')
  const nameWidth = Math.max(4, ...devnet.accounts.map((a) => a.name.length))
  for (const account of devnet.accounts) {
    const index = account.index === undefined ? '  ' : String(account.index).padStart(2)
    lines.push(
      `  ${index} ${account.name.padEnd(nameWidth)}  ${account.address}  ${formatPokt(account.balance)}`,
    )
    if (account.privateKey) lines.push(`     ${''.padEnd(nameWidth)}  key ${account.privateKey}`)
  }
  lines.push(
    '',
    dataDir === ':memory:'
      ? 'Ctrl-C stops the devnet.'
      : 'Ctrl-C stops the devnet; its state stays in the store for the next start.',
  )
  return lines.join('\n')
}

/**
 * Runs the devnet command: parses `argv` (without the program name), starts the devnet, prints
 * its banner, and stops it on SIGINT/SIGTERM. Resolves with the running devnet, or `undefined`
 * after `--help`.
 */
export async function runDevnetCli(
  argv: string[],
  options: DevnetCliOptions = {},
): Promise<Devnet | undefined> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`))
  const { INIT_CWD } = process.env
  const cwd = options.cwd ?? INIT_CWD ?? process.cwd()
  const args = parseCliArgs(argv, cwd)
  if (args.help) {
    write(devnetUsage)
    return undefined
  }
  if (args.reset && args.dataDir !== ':memory:') {
    rmSync(join(args.dataDir, 'devnet.sqlite'), { force: true })
    rmSync(join(args.dataDir, 'devnet.sqlite-wal'), { force: true })
    rmSync(join(args.dataDir, 'devnet.sqlite-shm'), { force: true })
  }
  const devnet = await startDevnet({
    ...(args.config === undefined ? {} : { config: args.config }),
    ...(args.host === undefined ? {} : { host: args.host }),
    ...(args.port === undefined ? {} : { port: args.port }),
    ...(args.grpcPort === undefined ? {} : { grpcPort: args.grpcPort }),
    ...(args.blockTimeMs === undefined ? {} : { blockTimeMs: args.blockTimeMs }),
    dataDir: args.dataDir,
  })
  const blockTimeMs = args.blockTimeMs ?? devnet.blockTimeMs
  write(formatDevnetBanner(devnet, args.dataDir, blockTimeMs))
  if (!args.quiet) {
    devnet.node.on('block', (block: { height: bigint; txs: Uint8Array[] }) => {
      if (block.txs.length > 0) write(`block ${block.height}: ${block.txs.length} tx`)
    })
  }
  const shutdown = () => {
    devnet.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  const stop = devnet.stop
  devnet.stop = () => {
    process.off('SIGINT', shutdown)
    process.off('SIGTERM', shutdown)
    return stop()
  }
  return devnet
}

/** Prints a devnet error (with a hint for a store made from another genesis) and exits 1. */
export function reportCliError(error: unknown): never {
  if (isDevnetError(error)) {
    console.error(`decai-devnet: ${error.message}`)
    if (error.code === 'INVALID_STORE') {
      console.error('hint: --reset starts again from genesis, or --data-dir picks another store')
    }
  } else {
    console.error(error)
  }
  process.exit(1)
}
