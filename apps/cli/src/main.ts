#!/usr/bin/env -S node --import tsx
// `decai`: from the repository, `pnpm devnet:cli <command>` (or `pnpm --filter @decai/cli start
// -- <command>`); `decai --help` lists the commands.
import { runCli } from './cli.js'

const code = await runCli(process.argv.slice(2))
// Streams (stdout piped to a file, say) flush before the exit.
process.exitCode = code
if (!process.argv.slice(2, 4).join(' ').startsWith('devnet start')) {
  // Clients keep sockets open (keep-alive); nothing is left to do.
  setImmediate(() => process.exit(code))
}
