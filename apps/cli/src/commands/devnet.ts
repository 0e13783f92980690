import { devnetUsage, runDevnetCli } from '@decai/devnet'
import type { Command } from '../command.js'

const start: Command = {
  path: ['devnet', 'start'],
  usage: '[devnet options: --port, --block-time, --data-dir, --reset, --config, ...]',
  summary: 'run the embedded devnet alone (the same as pnpm devnet)',
  // Options go to the devnet's own parser untouched (see `passThrough` in cli.ts).
  async run({ args, ctx }) {
    if (args.includes('--help') || args.includes('-h')) return ctx.out.line(devnetUsage)
    await runDevnetCli(args, { cwd: ctx.cwd })
    // The devnet runs until Ctrl-C: keep the process alive.
    await new Promise(() => {})
  },
}

export const devnetCommands = [start]
