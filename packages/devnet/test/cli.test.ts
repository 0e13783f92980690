import { describe, expect, it } from 'vitest'
import { runDevnetCli } from '../src/cli/run-cli.js'
import { isDevnetError } from '../src/errors.js'
import { TEST_MNEMONIC } from '../src/keys.js'
import { rpc } from './helpers.js'

describe('decai-devnet command', () => {
  it('starts a devnet, prints its RPC address and the funded TEST keys', async () => {
    const lines: string[] = []
    const devnet = await runDevnetCli(['--memory', '--port', '0', '--block-time', '0', '-q'], {
      write: (line) => lines.push(line),
    })
    try {
      const banner = lines.join('\n')
      expect(banner).toContain(`RPC        ${devnet!.rpcUrl}`)
      expect(banner).toContain(`gRPC       ${devnet!.grpcAddress}`)
      expect(banner).toContain('Never send real funds')
      expect(banner).toContain(TEST_MNEMONIC)
      const faucet = devnet!.accounts.find((a) => a.name === 'faucet')!
      expect(banner).toContain(faucet.address)
      expect(banner).toContain(faucet.privateKey)
      const status = (await rpc(devnet!.rpcUrl, 'status', {})) as {
        node_info: { network: string }
      }
      expect(status.node_info.network).toBe('pocket')
    } finally {
      await devnet?.stop()
    }
  })

  it('takes the gRPC port from --grpc-port, and --no-grpc turns gRPC off', async () => {
    const quiet = { write: () => {} }
    const off = await runDevnetCli(['--memory', '-p', '0', '--block-time', '0', '--no-grpc'], quiet)
    expect(off!.grpcAddress).toBeUndefined()
    await off!.stop()
    const taken = await runDevnetCli(
      ['--memory', '-p', '0', '--block-time', '0', '--grpc-port', '0'],
      quiet,
    )
    const port = Number(taken!.grpcAddress!.split(':').at(-1))
    try {
      const error = await runDevnetCli(
        ['--memory', '-p', '0', '--block-time', '0', '--grpc-port', String(port)],
        quiet,
      ).catch((e: unknown) => e)
      expect(isDevnetError(error) && error.code).toBe('RPC_FAILED')
    } finally {
      await taken!.stop()
    }
  })

  it('prints usage for --help and rejects bad arguments with a typed error', async () => {
    const lines: string[] = []
    expect(await runDevnetCli(['--help'], { write: (l) => lines.push(l) })).toBeUndefined()
    expect(lines[0]).toMatch(/^usage: decai-devnet/)
    const error = await runDevnetCli(['--port', 'x']).catch((e: unknown) => e)
    expect(isDevnetError(error) && error.code).toBe('INVALID_CONFIG')
    const unknown = await runDevnetCli(['--nope']).catch((e: unknown) => e)
    expect(isDevnetError(unknown) && unknown.code).toBe('INVALID_CONFIG')
  })
})
