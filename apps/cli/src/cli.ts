import { parseArgs } from 'node:util'
import { describeError } from '@decai/core'
import type { Command } from './command.js'
import { chatCommands } from './commands/chat.js'
import { claimsCommands } from './commands/claims.js'
import { devnetCommands } from './commands/devnet.js'
import { keysCommands } from './commands/keys.js'
import { sessionCommands } from './commands/session.js'
import { stakingCommands } from './commands/staking.js'
import { createContext, globalOptions } from './context.js'
import { isCliError, usageError } from './errors.js'
import { createOutput, type OutputStreams } from './output.js'

export const commands: Command[] = [
  ...keysCommands,
  ...stakingCommands,
  ...sessionCommands,
  ...chatCommands,
  ...claimsCommands,
  ...devnetCommands,
]

// Commands whose arguments belong to another parser.
const passThrough = new Set(['devnet start'])

export function helpText(): string {
  const rows = commands.map((c) => [`decai ${c.path.join(' ')}`, c.summary])
  const width = Math.max(...rows.map(([name]) => name!.length))
  return [
    'decai: the DecAI command line (keys, services, staking, sessions, chat, claims, devnet)',
    '',
    ...rows.map(([name, summary]) => `  ${name!.padEnd(width)}  ${summary}`),
    '',
    'Global options:',
    '  --home DIR        keyring and settings ($DECAI_HOME; default: the .decai/ of a local',
    '                    network started with `pnpm start` here or above, else ~/.decai)',
    "  --node URL        CometBFT RPC ($DECAI_NODE; default: the local network's, else",
    '                    http://127.0.0.1:26657)',
    '  --gas-price P     gas price for transactions ($DECAI_GAS_PRICE; default 1upokt)',
    '  --json            machine-readable output',
    '',
    '`decai <command> --help` shows the options of a command.',
  ].join('\n')
}

export type CliIo = OutputStreams & {
  env?: Record<string, string | undefined>
  /** The directory relative paths resolve against (default: pnpm's INIT_CWD, else the cwd). */
  workDir?: string
  stdin?: AsyncIterable<Uint8Array | string>
}

function findCommand(argv: string[]): [Command, string[]] | undefined {
  let best: Command | undefined
  for (const command of commands) {
    const matches = command.path.every((word, i) => argv[i] === word)
    if (matches && (best === undefined || command.path.length > best.path.length)) best = command
  }
  return best ? [best, argv.slice(best.path.length)] : undefined
}

/** Runs the CLI on `argv` (without `node` and the script); resolves with the exit code. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const out = createOutput(io)
  const env = io.env ?? process.env
  try {
    if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
      out.line(helpText())
      return 0
    }
    const found = findCommand(argv)
    if (!found)
      throw usageError(`Unknown command "${argv.join(' ')}".`, 'decai --help lists the commands.')
    const [command, rest] = found
    const name = command.path.join(' ')
    let args = rest
    let values: Record<string, string | boolean | undefined> = {}
    if (!passThrough.has(name)) {
      try {
        const parsed = parseArgs({
          args: rest,
          options: { ...globalOptions, ...command.options },
          allowPositionals: true,
          strict: true,
        })
        args = parsed.positionals
        values = parsed.values as typeof values
      } catch (error) {
        throw usageError(describeError(error), `usage: decai ${name} ${command.usage}`)
      }
      if (values['help'] === true) {
        out.line(`usage: decai ${name} ${command.usage}\n\n${command.summary}`)
        return 0
      }
    }
    const ctx = createContext({
      options: {
        home: values['home'] as string | undefined,
        node: values['node'] as string | undefined,
        gasPrice: values['gas-price'] as string | undefined,
        json: values['json'] === true,
      },
      env,
      cwd: io.workDir ?? env['INIT_CWD'] ?? process.cwd(),
      out,
    })
    await command.run({
      args,
      values,
      ctx,
      readStdin: async () => {
        const chunks: string[] = []
        const decoder = new TextDecoder()
        for await (const chunk of io.stdin ?? process.stdin)
          chunks.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }))
        return chunks.join('')
      },
    })
    return 0
  } catch (error) {
    out.done()
    if (isCliError(error)) {
      out.note(`decai: ${error.message}`)
      return error.code === 'USAGE' ? 2 : 1
    }
    // The packages' typed errors (ChainError, SdkError, ...): their message says it all.
    if (error instanceof Error && typeof (error as { code?: unknown }).code === 'string') {
      out.note(`decai: ${error.message}`)
      return 1
    }
    out.note(`decai: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    return 1
  }
}

function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, stdin: process.stdin }
}
