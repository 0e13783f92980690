// The `decai` CLI as a user runs it: a child process per command, against an embedded devnet.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Devnet, deriveKey, startDevnet, TEST_MNEMONIC } from '@decai/devnet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runDecai } from './helpers.js'

let devnet: Devnet
let home: string
let env: Record<string, string>
let openai: Server
let openaiUrl: string

const decai = (args: string[], input?: string) =>
  runDecai(args, { env, cwd: home, ...(input === undefined ? {} : { input }) })

const json = async (args: string[]) => {
  const run = await decai([...args, '--json'])
  expect(run.stderr).not.toMatch(/decai: /)
  expect(run.code).toBe(0)
  return JSON.parse(run.stdout) as Record<string, unknown>
}

beforeAll(async () => {
  devnet = await startDevnet({
    port: 0,
    blockTimeMs: 100,
    dataDir: ':memory:',
    config: { params: { shared: { numBlocksPerSession: '10' } } },
    onError: () => {},
  })
  home = mkdtempSync(join(tmpdir(), 'decai-cli-'))
  env = { DECAI_HOME: home, DECAI_NODE: devnet.rpcUrl }
  // An OpenAI-compatible endpoint standing in for a gateway.
  openai = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      const parsed = JSON.parse(body) as { stream?: boolean; messages: { content: string }[] }
      if (req.headers.authorization !== 'Bearer k1') {
        res.writeHead(401).end('{"error":{"message":"bad key"}}')
        return
      }
      const words = ['Hello', ', ', parsed.messages.at(-1)!.content]
      if (!parsed.stream) {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            id: 'x',
            model: 'm',
            choices: [{ message: { content: words.join('') } }],
          }),
        )
        return
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      for (const w of words)
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: w } }] })}\n\n`)
      res.end('data: [DONE]\n\n')
    })
  })
  await new Promise<void>((r) => openai.listen(0, '127.0.0.1', r))
  openaiUrl = `http://127.0.0.1:${(openai.address() as AddressInfo).port}`
}, 60_000)

afterAll(async () => {
  await devnet?.stop()
  openai?.close()
  if (home) rmSync(home, { recursive: true, force: true })
})

describe('decai', () => {
  it('prints help and refuses unknown commands with exit code 2', async () => {
    const help = await decai(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/decai stake supplier/)
    const bad = await decai(['stake', 'validator'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/Unknown command/)
  })

  it('manages keys: TEST keys labelled, mnemonic import as pocketd derives it', async () => {
    const imported = await decai(['keys', 'import-test'])
    expect(imported.code).toBe(0)
    expect(imported.stdout).toMatch(/owner\s+pokt1\S+\s+TEST/)
    const user = deriveKey(TEST_MNEMONIC, 7)
    const mine = await json(['keys', 'import', 'mine', '--mnemonic', TEST_MNEMONIC, '--index', '7'])
    expect(mine).toEqual({ name: 'mine', address: user.address, test: true })
    const shown = await json(['keys', 'show', 'mine', '--private'])
    expect(shown['privateKey']).toBe(Buffer.from(user.privateKey).toString('hex'))
    const fresh = await json(['keys', 'add', 'fresh', '--words', '12'])
    expect((fresh['mnemonic'] as string).split(' ')).toHaveLength(12)
    const again = await decai(
      ['keys', 'import', 'fresh', '--mnemonic-stdin'],
      fresh['mnemonic'] as string,
    )
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/exists already/)
    const list = await decai(['keys', 'list'])
    expect(list.stdout).toMatch(new RegExp(`fresh\\s+${fresh['address']}\\s*\\n`))
    expect(list.stdout).toMatch(
      /application\s+pokt1\S+\s+TEST \(public key, never hold real funds\)/,
    )
  })

  it('adds a service, stakes from pocketd configs, delegates, and shows the session', async () => {
    const service = await decai(['service', 'add', 'llm-cli', 'CLI LLM', '3', '--from', 'owner'])
    expect(service.code).toBe(0)
    expect(service.stdout).toMatch(/service llm-cli owned by pokt1/)
    const services = await decai(['service', 'list'])
    expect(services.stdout).toMatch(/llm-cli\s+CLI LLM\s+3 CU\/relay/)

    const address = (name: string) => devnet.accounts.find((a) => a.name === name)!.address
    const gateway = address('gateway')
    const supplier = address('supplier1')
    writeFileSync(join(home, 'gateway.yaml'), 'stake_amount: 100000068upokt\n')
    writeFileSync(
      join(home, 'app.yaml'),
      `stake_amount: 200000001upokt\nservice_ids: [llm-cli]\ngateway_addresses: [${gateway}]\n`,
    )
    writeFileSync(
      join(home, 'supplier.yaml'),
      [
        `owner_address: ${supplier}`,
        `operator_address: ${supplier}`,
        'stake_amount: 1000069upokt',
        'services:',
        '  - service_id: llm-cli',
        '    endpoints:',
        '      - publicly_exposed_url: http://127.0.0.1:8545',
        '        rpc_type: JSON_RPC',
        '        config: {timeout: "30"}',
        '',
      ].join('\n'),
    )
    expect(
      (await decai(['stake', 'gateway', '--config', 'gateway.yaml', '--from', 'gateway'])).code,
    ).toBe(0)
    const app = await decai(['stake', 'app', '--config', 'app.yaml', '--from', 'application'])
    expect(app.code).toBe(0)
    expect(app.stdout).toMatch(/delegated to gateway/)
    expect(
      (await decai(['stake', 'supplier', '--config', 'supplier.yaml', '--from', 'supplier1'])).code,
    ).toBe(0)

    const session = await json([
      'session',
      '--app',
      'application',
      '--service',
      'llm-cli',
      '--wait',
    ])
    expect(session['serviceId']).toBe('llm-cli')
    expect(session['suppliers']).toEqual([
      { operatorAddress: supplier, endpoints: ['http://127.0.0.1:8545'] },
    ])

    const undelegate = await decai(['undelegate', 'gateway', '--from', 'application'])
    expect(undelegate.stdout).toMatch(/undelegated from gateway/)
    const redelegate = await decai(['delegate', gateway, '--from', 'application'])
    expect(redelegate.code).toBe(0)
  })

  it('refuses a stake config pocketd would refuse, naming the field', async () => {
    writeFileSync(join(home, 'bad.yaml'), 'stake_amount: 10pokt\nservice_ids: [llm-cli]\n')
    const run = await decai(['stake', 'app', '--config', 'bad.yaml', '--from', 'application'])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/stake_amount: invalid denom, expecting: upokt, got: pokt/)
  })

  it('shows balances and (no) claims', async () => {
    const balance = await json(['balance', 'owner'])
    expect(BigInt(balance['upokt'] as string)).toBeGreaterThan(0n)
    const claims = await json(['claims', '--service', 'llm-cli'])
    expect(claims['pending']).toEqual([])
    expect(claims['settled']).toEqual([])
  })

  it('chats through a gateway, streaming to the terminal', async () => {
    const run = await decai(['chat', 'world', '--gateway', openaiUrl, '--api-key', 'k1'])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe('Hello, world\n')
    expect(run.stderr).toMatch(/gateway http:\/\/127\.0\.0\.1:\d+\/v1/)
    const whole = await decai(
      ['chat', '--no-stream', '--gateway', `${openaiUrl}/v1`, '--api-key', 'k1'],
      'stdin prompt',
    )
    expect(whole.stdout).toBe('Hello, stdin prompt\n')
    const denied = await decai(['chat', 'x', '--gateway', openaiUrl, '--api-key', 'nope'])
    expect(denied.code).toBe(1)
    expect(denied.stderr).toMatch(/HTTP 401/)
  })
})
