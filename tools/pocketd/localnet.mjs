// A single-node pocketd chain on loopback: init (keys, genesis, gentx, config) and start/stop.
// The importable API for test suites (types in localnet.d.mts):
//
//   import { startPocketd } from '<repo>/tools/pocketd/localnet.mjs'
//   const node = await startPocketd({ port: 26757 }) // builds once; fresh temporary home
//   ... node.rpcUrl, node.accounts ...
//   await node.stop()
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildPocketd, findPocketd, getCacheDir } from './lib/build.mjs'
import { PocketdError, run, sleep, tail } from './lib/process.mjs'

// The funded accounts: the same TEST keys, names, indices and balances as the default
// @decai/devnet, so one address means the same actor on both backends.

/**
 * PUBLIC TEST MNEMONIC (the one Anvil and Hardhat use). Every key derived from it is known to
 * everyone: never use these accounts outside a local test chain.
 */
export const TEST_MNEMONIC = 'test test test test test test test test test test test junk'

/** Cosmos HD path of account `index` (coin type 118, as `pocketd keys add --index` derives). */
export const getHdPath = (index) => `m/44'/118'/0'/0/${index}`

const POKT = 1_000_000n

/** @type {readonly { name: string, index: number, balance: bigint }[]} */
export const TEST_ACCOUNTS = [
  { name: 'validator', index: 0, balance: 1_000_000n * POKT },
  { name: 'dao', index: 1, balance: 1_000_000n * POKT },
  // The service owner ("champion").
  { name: 'owner', index: 2, balance: 1_000_000n * POKT },
  { name: 'application', index: 3, balance: 1_000_000n * POKT },
  { name: 'gateway', index: 4, balance: 1_000_000n * POKT },
  { name: 'supplier1', index: 5, balance: 1_000_000n * POKT },
  { name: 'supplier2', index: 6, balance: 1_000_000n * POKT },
  { name: 'user1', index: 7, balance: 1_000_000n * POKT },
  { name: 'user2', index: 8, balance: 1_000_000n * POKT },
  { name: 'faucet', index: 9, balance: 1_000_000_000n * POKT },
]

/** The validator's self-delegation (the devnet's default validator stake). */
export const VALIDATOR_STAKE = 900_000_000n

export const CHAIN_ID = 'pocket'
export const DENOM = 'upokt'
/** Not CometBFT's 26657, which the devnet uses. */
export const DEFAULT_RPC_PORT = 26757
export const DEFAULT_BLOCK_TIME = '500ms'

/**
 * Shared params over poktroll's defaults: the devnet's short sessions and windows, so a claim
 * settles five blocks after its session ends. poktroll requires the supplier and application
 * unbonding periods to cover those five blocks (4 × 1 would not), hence two sessions.
 */
export const SHARED_PARAM_OVERRIDES = {
  num_blocks_per_session: '4',
  grace_period_end_offset_blocks: '1',
  claim_window_open_offset_blocks: '1',
  claim_window_close_offset_blocks: '2',
  proof_window_open_offset_blocks: '0',
  proof_window_close_offset_blocks: '2',
  supplier_unbonding_period_sessions: '2',
  application_unbonding_period_sessions: '2',
}

export const getDefaultHome = () => join(getCacheDir(), 'home')

/**
 * The ports a node listens on, all on 127.0.0.1: RPC on `port`, the others just above it.
 * @param {number} port
 */
export function getPorts(port) {
  return { rpc: port, p2p: port + 1, grpc: port + 2, api: port + 3 }
}

/** Runs the pocketd CLI against a home directory. */
export function pocketd(binary, home, args, options = {}) {
  return run(binary, [...args, '--home', home], options)
}

/**
 * Creates a fresh home: TEST keys, funded genesis accounts (with their public keys), the
 * validator's gentx, short sessions, zero inflation, zero minimum gas price, fast blocks.
 * `params` (proto JSON per module, snake_case) apply over the localnet's params, field by field;
 * pocketd validates the result (`genesis validate`) and refuses invalid params with its own
 * error. A home made once for the same binary, params and block time is copied, not remade.
 * @param {{ binary: string, home: string, blockTime?: string,
 *   params?: Record<string, Record<string, unknown>>, cache?: boolean }} options
 */
export async function initPocketd(options) {
  const { binary, home, blockTime = DEFAULT_BLOCK_TIME, params = {} } = options
  if (options.cache === false) return createHome({ binary, home, blockTime, params })
  const templates = join(getCacheDir(), 'templates')
  const template = join(templates, getTemplateKey(binary, blockTime, params))
  if (!existsSync(join(template, 'accounts.json'))) {
    mkdirSync(templates, { recursive: true })
    const draft = mkdtempSync(`${template}.draft-`)
    try {
      await createHome({ binary, home: draft, blockTime, params })
      // Another process may have made it meanwhile; theirs is as good.
      if (!existsSync(join(template, 'accounts.json'))) {
        rmSync(template, { recursive: true, force: true })
        renameSync(draft, template)
      }
    } finally {
      rmSync(draft, { recursive: true, force: true })
    }
  }
  rmSync(home, { recursive: true, force: true })
  cpSync(template, home, { recursive: true })
  return { home, accounts: readAccounts(home) }
}

// What shapes a home: the binary, this file (how homes are made), the params and block time.
function getTemplateKey(binary, blockTime, params) {
  const hash = createHash('sha256')
  hash.update(binary)
  hash.update(readFileSync(fileURLToPath(import.meta.url)))
  hash.update(JSON.stringify({ blockTime, params }))
  return hash.digest('hex').slice(0, 16)
}

async function createHome({ binary, home, blockTime, params }) {
  rmSync(home, { recursive: true, force: true })
  mkdirSync(home, { recursive: true })
  const cli = (args, input) => pocketd(binary, home, args, { input })
  await cli(['init', 'localnet', '--chain-id', CHAIN_ID, '--default-denom', DENOM])

  const accounts = []
  for (const account of TEST_ACCOUNTS) {
    await cli(
      [
        'keys',
        'add',
        account.name,
        '--recover',
        '--index',
        String(account.index),
        '--keyring-backend',
        'test',
        '--output',
        'json',
      ],
      `${TEST_MNEMONIC}\n`,
    )
    const shown = JSON.parse(
      (await cli(['keys', 'show', account.name, '--keyring-backend', 'test', '--output', 'json']))
        .stdout,
    )
    const privateKey = (
      await cli(
        [
          'keys',
          'export',
          account.name,
          '--unarmored-hex',
          '--unsafe',
          '--keyring-backend',
          'test',
        ],
        'y\n',
      )
    ).stdout.trim()
    accounts.push({
      name: account.name,
      address: shown.address,
      publicKey: JSON.parse(shown.pubkey).key,
      privateKey,
      mnemonic: TEST_MNEMONIC,
      index: account.index,
      hdPath: getHdPath(account.index),
      balance: account.balance.toString(),
    })
    await cli(['genesis', 'add-genesis-account', shown.address, `${account.balance}${DENOM}`])
  }

  await cli([
    'genesis',
    'gentx',
    'validator',
    `${VALIDATOR_STAKE}${DENOM}`,
    '--chain-id',
    CHAIN_ID,
    '--keyring-backend',
    'test',
    '--moniker',
    'localnet',
  ])
  await cli(['genesis', 'collect-gentxs'])
  editGenesis(join(home, 'config', 'genesis.json'), accounts, params)
  await cli(['genesis', 'validate'])
  configureNode(home, blockTime)
  writeFileSync(join(home, 'accounts.json'), `${JSON.stringify(accounts, null, 2)}\n`)
  return { home, accounts }
}

function editGenesis(file, accounts, params) {
  const genesis = JSON.parse(readFileSync(file, 'utf8'))
  const state = genesis.app_state
  Object.assign(state.shared.params, SHARED_PARAM_OVERRIDES)
  // Settlement pays the DAO's share to the TEST `dao` account, as on the devnet.
  state.tokenomics.params.dao_reward_address = accounts.find((a) => a.name === 'dao').address
  applyParams(state, params)
  // Token supply moves only through settlement, as on the devnet (which has no x/mint).
  const zero = '0.000000000000000000'
  Object.assign(state.mint.params, {
    inflation_rate_change: zero,
    inflation_max: zero,
    inflation_min: zero,
  })
  state.mint.minter.inflation = zero
  // Stakes and relays need public keys on chain; poktroll's LocalNet sends one tx per account,
  // the devnet publishes them in genesis, and so do we.
  const keys = new Map(accounts.map((a) => [a.address, a.publicKey]))
  for (const account of state.auth.accounts) {
    const key = keys.get(account.address)
    if (key) account.pub_key = { '@type': '/cosmos.crypto.secp256k1.PubKey', key }
  }
  writeFileSync(file, `${JSON.stringify(genesis, null, 2)}\n`)
}

/**
 * Sets module params field by field (proto JSON, snake_case); a module or field pocketd does not
 * have is an error, so a misspelt param cannot be silently ignored.
 * @param {Record<string, any>} state genesis `app_state`
 * @param {Record<string, Record<string, unknown>>} params
 */
export function applyParams(state, params) {
  for (const [module, values] of Object.entries(params)) {
    const current = state[module]?.params
    if (!current) throw new PocketdError('INVALID_ARGUMENT', `No params module "${module}".`)
    for (const [field, value] of Object.entries(values)) {
      if (!(field in current)) {
        throw new PocketdError('INVALID_ARGUMENT', `No param ${module}.${field} in genesis.`)
      }
      current[field] =
        value && typeof value === 'object' && !Array.isArray(value)
          ? { ...current[field], ...value }
          : value
    }
  }
}

function configureNode(home, blockTime) {
  const config = join(home, 'config')
  editToml(join(config, 'config.toml'), {
    consensus: { timeout_commit: quote(blockTime), timeout_propose: quote('3s') },
    // One node on loopback: no peers, no address book, no pprof or prometheus ports to clash.
    p2p: { addr_book_strict: 'false', allow_duplicate_ip: 'true', pex: 'false' },
    rpc: { pprof_laddr: quote('') },
    instrumentation: { prometheus: 'false' },
  })
  editToml(join(config, 'app.toml'), {
    '': { 'minimum-gas-prices': quote(`0${DENOM}`) },
  })
  editToml(join(config, 'client.toml'), {
    '': { 'chain-id': quote(CHAIN_ID), 'keyring-backend': quote('test') },
  })
}

const quote = (value) => JSON.stringify(value)

/**
 * Sets existing keys of a TOML file, section by section ('' is the top level); a missing key
 * is an error, so a renamed setting cannot be silently ignored.
 */
export function editToml(file, sections) {
  const lines = readFileSync(file, 'utf8').split('\n')
  for (const [section, values] of Object.entries(sections)) {
    for (const [key, value] of Object.entries(values)) {
      let current = ''
      let found = false
      for (let i = 0; i < lines.length; i++) {
        const header = /^\s*\[([^\]]+)\]\s*$/.exec(lines[i])
        if (header) current = header[1].trim()
        else if (
          current === section &&
          new RegExp(`^\\s*${escapeRegExp(key)}\\s*=`).test(lines[i])
        ) {
          lines[i] = `${key} = ${value}`
          found = true
          break
        }
      }
      if (!found)
        throw new PocketdError(
          'PATCH_FAILED',
          `${file}: no key ${section ? `${section}.` : ''}${key}.`,
        )
    }
  }
  writeFileSync(file, lines.join('\n'))
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')

/** The accounts `initPocketd` wrote. */
export function readAccounts(home) {
  const file = join(home, 'accounts.json')
  if (!existsSync(file))
    throw new PocketdError('NOT_INITIALIZED', `No localnet in ${home}: run init first.`)
  return JSON.parse(readFileSync(file, 'utf8'))
}

/**
 * Starts a node (initialising the home first if it has none) and resolves once blocks are
 * being produced.
 * @param {{ port?: number, home?: string, reset?: boolean, blockTime?: string, binary?: string,
 *   build?: boolean, detached?: boolean, timeoutMs?: number,
 *   params?: Record<string, Record<string, unknown>>, cache?: boolean }} [options]
 */
export async function startPocketd(options = {}) {
  const port = options.port ?? DEFAULT_RPC_PORT
  const temporary = options.home === undefined
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'decai-pocketd-'))
  const binary = options.binary ?? (await resolveBinary(options.build ?? true))
  if (options.reset || !existsSync(join(home, 'accounts.json'))) {
    await initPocketd({
      binary,
      home,
      ...(options.blockTime ? { blockTime: options.blockTime } : {}),
      ...(options.params ? { params: options.params } : {}),
      ...(options.cache === false ? { cache: false } : {}),
    })
  }
  const accounts = readAccounts(home)
  const ports = getPorts(port)
  const rpcUrl = `http://127.0.0.1:${ports.rpc}`
  editToml(join(home, 'config', 'client.toml'), {
    '': { node: quote(`tcp://127.0.0.1:${ports.rpc}`) },
  })
  await assertPortFree(rpcUrl)

  const logFile = join(home, 'pocketd.log')
  const log = openSync(logFile, 'a')
  const child = spawn(
    binary,
    [
      'start',
      '--home',
      home,
      '--rpc.laddr',
      `tcp://127.0.0.1:${ports.rpc}`,
      '--p2p.laddr',
      `tcp://127.0.0.1:${ports.p2p}`,
      '--grpc.address',
      `127.0.0.1:${ports.grpc}`,
      '--api.address',
      `tcp://127.0.0.1:${ports.api}`,
    ],
    { stdio: ['ignore', log, log], detached: options.detached ?? false },
  )
  closeSync(log)
  let exited = false
  child.on('exit', () => {
    exited = true
  })
  if (options.detached) child.unref()
  writeFileSync(join(home, 'pocketd.pid'), `${child.pid}\n`)

  const stop = async () => {
    if (!exited) await stopProcess(child.pid, () => exited)
    rmSync(join(home, 'pocketd.pid'), { force: true })
    if (temporary) rmSync(home, { recursive: true, force: true })
  }
  try {
    await waitForBlocks(rpcUrl, 2, options.timeoutMs ?? 60_000, () => exited)
  } catch (error) {
    await stop()
    throw new PocketdError('START_FAILED', 'pocketd did not produce blocks.', {
      details: existsSync(logFile) ? tail(readFileSync(logFile, 'utf8'), 30) : undefined,
      cause: error,
    })
  }
  return {
    rpcUrl,
    grpcUrl: `127.0.0.1:${ports.grpc}`,
    apiUrl: `http://127.0.0.1:${ports.api}`,
    chainId: CHAIN_ID,
    home,
    binary,
    pid: child.pid,
    accounts: accounts.map(({ name, address, mnemonic, index, hdPath, privateKey }) => ({
      name,
      address,
      mnemonic,
      index,
      hdPath,
      privateKey,
    })),
    stop,
  }
}

/** Stops the node whose pid file is in `home` (one started detached by the CLI). */
export async function stopPocketdHome(home) {
  const pidFile = join(home, 'pocketd.pid')
  if (!existsSync(pidFile)) return false
  const pid = Number(readFileSync(pidFile, 'utf8').trim())
  await stopProcess(pid, () => !isAlive(pid))
  rmSync(pidFile, { force: true })
  return true
}

/** Whether the pid file in `home` names a live process (a stale file is removed). */
export function isNodeRunning(home) {
  const pidFile = join(home, 'pocketd.pid')
  if (!existsSync(pidFile)) return false
  if (isAlive(Number(readFileSync(pidFile, 'utf8').trim()))) return true
  rmSync(pidFile, { force: true })
  return false
}

async function resolveBinary(build) {
  if (build) return buildPocketd()
  const binary = await findPocketd()
  if (!binary)
    throw new PocketdError('NOT_BUILT', 'pocketd is not built: run `pnpm pocketd build`.')
  return binary
}

async function stopProcess(pid, hasExited) {
  if (!isAlive(pid)) return
  process.kill(pid, 'SIGTERM')
  for (let waited = 0; waited < 15_000; waited += 100) {
    if (hasExited() || !isAlive(pid)) return
    await sleep(100)
  }
  process.kill(pid, 'SIGKILL')
}

function isAlive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function assertPortFree(rpcUrl) {
  const status = await getStatus(rpcUrl)
  if (status) {
    throw new PocketdError('START_FAILED', `Something already answers on ${rpcUrl}.`, {
      details: 'Stop it (`pnpm pocketd stop`) or pick another --port.',
    })
  }
}

/** CometBFT's /status, or undefined while nothing answers. */
export async function getStatus(rpcUrl) {
  try {
    const response = await fetch(`${rpcUrl}/status`, { signal: AbortSignal.timeout(2_000) })
    if (!response.ok) return undefined
    return (await response.json()).result
  } catch {
    return undefined
  }
}

/** Resolves once the chain's latest height reaches `height`. */
export async function waitForBlocks(rpcUrl, height, timeoutMs, hasExited = () => false) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (hasExited()) throw new PocketdError('START_FAILED', 'pocketd exited.')
    const status = await getStatus(rpcUrl)
    if (status && Number(status.sync_info.latest_block_height) >= height) return status
    await sleep(200)
  }
  throw new PocketdError('TIMEOUT', `No block ${height} on ${rpcUrl} within ${timeoutMs} ms.`)
}
