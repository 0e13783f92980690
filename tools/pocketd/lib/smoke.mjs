// The smoke test: a fresh chain, a few transactions and queries through the pocketd CLI, and
// poktroll's own RelayMiner brought up against it. Prints "N passed, M failed".
import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CHAIN_ID,
  DENOM,
  getPorts,
  pocketd,
  SHARED_PARAM_OVERRIDES,
  startPocketd,
  waitForBlocks,
} from '../localnet.mjs'
import { buildPocketd } from './build.mjs'
import { createChecks } from './checks.mjs'
import { run, sleep, tail } from './process.mjs'

const SERVICE_ID = 'smoke'

/**
 * @param {{ port: number, keep?: boolean }} options
 * @returns {Promise<number>} the number of failed checks
 */
export async function runSmoke({ port, keep = false }) {
  const { check, report } = createChecks()

  let binary
  await check('build or reuse the cached binary', async () => {
    binary = await buildPocketd()
    const { stdout, stderr } = await run(binary, ['version'])
    return `pocketd ${(stdout || stderr).trim()}`
  })
  if (!binary) return report()

  const home = mkdtempSync(join(tmpdir(), 'decai-pocketd-smoke-'))
  let node
  await check('init a fresh home and start the node', async () => {
    const started = Date.now()
    // Through the CLI every time (no template): the smoke test covers making a home.
    node = await startPocketd({ binary, home, port, reset: true, cache: false })
    return `${node.rpcUrl}, ready in ${Date.now() - started} ms`
  })
  if (!node) {
    if (!keep) rmSync(home, { recursive: true, force: true })
    return report()
  }

  const ctx = createContext(binary, node)
  const account = (name) => node.accounts.find((a) => a.name === name)
  try {
    await check('blocks advance (/status)', async () => {
      const before = await status(node.rpcUrl)
      const after = await waitForBlocks(node.rpcUrl, before + 2, 20_000)
      const elapsed =
        new Date(after.sync_info.latest_block_time) -
        new Date((await block(node.rpcUrl, before)).header.time)
      return `height ${before} -> ${after.sync_info.latest_block_height}, ${Math.round(elapsed / 2)} ms per block`
    })

    await check('genesis balance of the faucet', async () => {
      const balance = await ctx.balance(account('faucet').address)
      expectEqual(balance, 1_000_000_000_000_000n, 'faucet balance')
      return `${balance}${DENOM}`
    })

    await check('bank send with zero fees', async () => {
      const from = account('faucet').address
      const to = account('user1').address
      const [fromBefore, toBefore] = [await ctx.balance(from), await ctx.balance(to)]
      await ctx.tx(['bank', 'send', 'faucet', to, `1234${DENOM}`], 'faucet')
      expectEqual(await ctx.balance(to), toBefore + 1234n, 'recipient balance')
      expectEqual(await ctx.balance(from), fromBefore - 1234n, 'sender balance (no fee)')
    })

    await check('shared params set in genesis', async () => {
      const { params } = await ctx.query(['shared', 'params'])
      for (const [key, value] of Object.entries(SHARED_PARAM_OVERRIDES)) {
        // proto3 JSON leaves zero values out.
        expectEqual(String(params[key] ?? 0), value, `shared.${key}`)
      }
      return `num_blocks_per_session ${params.num_blocks_per_session}`
    })

    await check('add a service (owner)', async () => {
      await ctx.tx(['service', 'add-service', SERVICE_ID, 'Smoke test', '7'], 'owner')
      const { service } = await ctx.query(['service', 'show-service', SERVICE_ID])
      expectEqual(service.owner_address, account('owner').address, 'service owner')
      expectEqual(String(service.compute_units_per_relay), '7', 'compute units per relay')
    })

    await check('stake a gateway', async () => {
      const config = ctx.writeYaml('gateway.yaml', `stake_amount: 100000000${DENOM}\n`)
      await ctx.tx(['gateway', 'stake-gateway', '--config', config], 'gateway')
      const { gateway } = await ctx.query(['gateway', 'show-gateway', account('gateway').address])
      expectEqual(gateway.stake.amount, '100000000', 'gateway stake')
    })

    await check('stake an application and delegate to the gateway', async () => {
      const config = ctx.writeYaml(
        'application.yaml',
        `stake_amount: 200000000${DENOM}\nservice_ids: [${SERVICE_ID}]\n`,
      )
      await ctx.tx(['application', 'stake-application', '--config', config], 'application')
      await ctx.tx(
        ['application', 'delegate-to-gateway', account('gateway').address],
        'application',
      )
      const { application } = await ctx.query([
        'application',
        'show-application',
        account('application').address,
      ])
      expectEqual(application.stake.amount, '200000000', 'application stake')
      expectEqual(application.service_configs[0].service_id, SERVICE_ID, 'application service')
      expectEqual(
        application.delegatee_gateway_addresses[0],
        account('gateway').address,
        'delegation',
      )
    })

    const relayMinerPort = port + 10
    await check('stake a supplier', async () => {
      const supplier = account('supplier1').address
      const config = ctx.writeYaml(
        'supplier.yaml',
        [
          `owner_address: ${supplier}`,
          `operator_address: ${supplier}`,
          `stake_amount: 1000000000${DENOM}`,
          'services:',
          `  - service_id: ${SERVICE_ID}`,
          '    endpoints:',
          `      - publicly_exposed_url: http://127.0.0.1:${relayMinerPort}`,
          '        rpc_type: JSON_RPC',
          '',
        ].join('\n'),
      )
      await ctx.tx(['supplier', 'stake-supplier', '--config', config], 'supplier1')
      const { supplier: staked } = await ctx.query(['supplier', 'show-supplier', supplier])
      expectEqual(staked.stake.amount, '1000000000', 'supplier stake')
    })

    await check('session of the application includes the supplier', async () => {
      const app = account('application').address
      const supplier = account('supplier1').address
      // Stakes take effect at the next session start; poll a few sessions at most.
      for (let attempt = 0; attempt < 40; attempt++) {
        const height = await status(node.rpcUrl)
        // Until the stake activates, the query fails with "no suppliers ... for session".
        const session = await ctx
          .query(['session', 'get-session', app, SERVICE_ID, String(height)])
          .then((r) => r.session)
          .catch(() => undefined)
        const suppliers = (session?.suppliers ?? []).map((s) => s.operator_address)
        if (session && suppliers.includes(supplier)) {
          return `session ${session.header.session_id.slice(0, 12)}… blocks ${session.header.session_start_block_height}-${session.header.session_end_block_height}`
        }
        await sleep(500)
      }
      throw new Error('the supplier never appeared in the session')
    })

    await check("poktroll's RelayMiner starts and serves the supplier's endpoint", async () => {
      return withRelayMiner(ctx, { supplierKey: 'supplier1', listenPort: relayMinerPort })
    })
  } finally {
    await node.stop()
    if (!keep) rmSync(home, { recursive: true, force: true })
    else console.log(`kept ${home}`)
  }
  return report()
}

/** CLI helpers bound to one node. */
function createContext(binary, node) {
  const nodeFlag = ['--node', `tcp://127.0.0.1:${new URL(node.rpcUrl).port}`]
  const cli = (args, options) => pocketd(binary, node.home, args, options)
  const query = async (args) =>
    JSON.parse((await cli(['query', ...args, ...nodeFlag, '--output', 'json'])).stdout)
  return {
    cli,
    query,
    async balance(address) {
      const { balance } = await query(['bank', 'balance', address, DENOM])
      return BigInt(balance.amount)
    },
    /** Signs, broadcasts and waits for a tx to be included successfully. */
    async tx(args, from) {
      const { stdout } = await cli([
        'tx',
        ...args,
        '--from',
        from,
        '--keyring-backend',
        'test',
        '--chain-id',
        CHAIN_ID,
        ...nodeFlag,
        '--gas',
        'auto',
        '--gas-adjustment',
        '1.5',
        '--yes',
        '--output',
        'json',
      ])
      const sent = JSON.parse(stdout.slice(stdout.indexOf('{')))
      if (sent.code) throw new Error(`check_tx code ${sent.code}: ${sent.raw_log}`)
      for (let waited = 0; waited < 20_000; waited += 250) {
        await sleep(250)
        let included
        try {
          included = await query(['tx', sent.txhash])
        } catch {
          continue // not indexed yet
        }
        if (included.code) throw new Error(`deliver_tx code ${included.code}: ${included.raw_log}`)
        return included
      }
      throw new Error(`tx ${sent.txhash} not included within 20 s`)
    },
    writeYaml(name, text) {
      const file = join(node.home, name)
      writeFileSync(file, text)
      return file
    },
    node,
  }
}

/**
 * Runs `pocketd relayminer start` for one supplier with a local HTTP backend, and checks that
 * it comes up: its metrics endpoint answers and its relay endpoint answers an invalid relay
 * with an error rather than a dropped connection.
 */
async function withRelayMiner(ctx, { supplierKey, listenPort }) {
  const backend = createServer((_, response) =>
    response.end('{"jsonrpc":"2.0","id":1,"result":"ok"}'),
  )
  await new Promise((resolve) => backend.listen(0, '127.0.0.1', resolve))
  const ports = getPorts(Number(new URL(ctx.node.rpcUrl).port))
  const metricsPort = listenPort + 1
  const config = ctx.writeYaml(
    'relayminer.yaml',
    [
      `default_signing_key_names: [${supplierKey}]`,
      `smt_store_path: ${join(ctx.node.home, 'smt')}`,
      'metrics:',
      '  enabled: true',
      `  addr: 127.0.0.1:${metricsPort}`,
      'pocket_node:',
      `  query_node_rpc_url: tcp://127.0.0.1:${ports.rpc}`,
      `  query_node_grpc_url: tcp://127.0.0.1:${ports.grpc}`,
      `  tx_node_rpc_url: tcp://127.0.0.1:${ports.rpc}`,
      'suppliers:',
      `  - service_id: ${SERVICE_ID}`,
      `    listen_url: http://127.0.0.1:${listenPort}`,
      '    service_config:',
      `      backend_url: http://127.0.0.1:${backend.address().port}`,
      '',
    ].join('\n'),
  )
  const logFile = join(ctx.node.home, 'relayminer.log')
  const log = openSync(logFile, 'a')
  const child = spawn(
    ctx.node.binary,
    [
      'relayminer',
      'start',
      '--config',
      config,
      '--home',
      ctx.node.home,
      '--keyring-backend',
      'test',
      '--chain-id',
      CHAIN_ID,
      '--grpc-insecure',
    ],
    { stdio: ['ignore', log, log] },
  )
  closeSync(log)
  let exited = false
  child.on('exit', () => {
    exited = true
  })
  try {
    for (let waited = 0; ; waited += 250) {
      if (exited) throw new Error(`relayminer exited:\n${tail(readFileSync(logFile, 'utf8'), 15)}`)
      if (waited > 60_000)
        throw new Error(`relayminer not up in 60 s:\n${tail(readFileSync(logFile, 'utf8'), 15)}`)
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => undefined)
      const relay = await fetch(`http://127.0.0.1:${listenPort}/`, {
        method: 'POST',
        body: 'not a relay',
      }).catch(() => undefined)
      if (metrics?.ok && relay)
        return `metrics up, invalid relay answered with HTTP ${relay.status}`
      await sleep(250)
    }
  } finally {
    if (!exited) {
      child.kill('SIGTERM')
      await Promise.race([new Promise((resolve) => child.on('exit', resolve)), sleep(10_000)])
      if (!exited) child.kill('SIGKILL')
    }
    backend.close()
  }
}

async function status(rpcUrl) {
  const response = await fetch(`${rpcUrl}/status`)
  return Number((await response.json()).result.sync_info.latest_block_height)
}

async function block(rpcUrl, height) {
  const response = await fetch(`${rpcUrl}/block?height=${height}`)
  return (await response.json()).result.block
}

function expectEqual(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${expected}, got ${actual}`)
}
