#!/usr/bin/env -S npx tsx
// decai-supplier: runs a supplier from a config file until SIGINT or SIGTERM.
import { isSupplierError } from './errors.js'
import { startSupplier } from './supplier.js'

const usage = `Usage: decai-supplier --config <supplier.yaml>

Serves relays for the services in the config, in front of their backends (vLLM, Ollama,
llama.cpp, @decai/llm-server), and claims and proves its sessions on chain.
See docs/supplier.md for the config file.`

function parseArgs(argv: string[]): { configPath: string } {
  const args = argv.filter((a) => a !== '--')
  let configPath = process.env['DECAI_SUPPLIER_CONFIG']
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--help' || arg === '-h') {
      console.log(usage)
      process.exit(0)
    }
    if (arg === '--config' || arg === '-c') configPath = args[++i]
    else if (arg.startsWith('--config=')) configPath = arg.slice('--config='.length)
    else {
      console.error(`Unknown argument: ${arg}\n\n${usage}`)
      process.exit(2)
    }
  }
  if (!configPath) {
    console.error(usage)
    process.exit(2)
  }
  return { configPath }
}

async function main() {
  const supplier = await startSupplier(parseArgs(process.argv.slice(2)))
  let stopping = false
  const shutdown = () => {
    if (stopping) return
    stopping = true
    supplier.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
}

main().catch((error: unknown) => {
  if (isSupplierError(error)) console.error(`${error.code}: ${error.message}`)
  else console.error(error)
  process.exit(1)
})
