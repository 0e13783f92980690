// CLI: `pnpm --filter @decai/llm-server start -- --port 8080` (see README.md for every flag).

import { parseArgs } from 'node:util'
import { describeError } from '@decai/core'
import {
  defaultModelName,
  getDefaultThreads,
  type StartLlmServerOptions,
  startLlmServer,
} from './server.js'

const usage = `Usage: llm-server [options]

An OpenAI-compatible LLM server on llama.cpp (CPU).

  --port <n>             TCP port (default 8080; 0 picks a free one)
  --host <addr>          interface to bind (default 127.0.0.1)
  --model <path>         GGUF file (default: the pinned SmolLM2-135M-Instruct, fetched if missing)
  --model-name <id>      model id clients send (default ${defaultModelName})
  --threads <n>          CPU threads per evaluation (default ${getDefaultThreads()} here)
  --context-size <n>     tokens per sequence, prompt plus completion (default 2048)
  --parallel <n>         context sequences generated at once (default 2)
  --max-queue <n>        requests waiting for a sequence before 503 (default 32)
  --request-timeout <s>  deadline for one request in seconds (default 600)
  --no-embeddings        turn /v1/embeddings off
  -h, --help             this text
`

function parseOptions(argv: string[]): StartLlmServerOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      model: { type: 'string' },
      'model-name': { type: 'string' },
      threads: { type: 'string' },
      'context-size': { type: 'string' },
      parallel: { type: 'string' },
      'max-queue': { type: 'string' },
      'request-timeout': { type: 'string' },
      'no-embeddings': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(usage)
    process.exit(0)
  }
  const options: StartLlmServerOptions = { port: integer('port', values.port ?? '8080') }
  if (values.host !== undefined) options.host = values.host
  if (values.model !== undefined) options.modelPath = values.model
  if (values['model-name'] !== undefined) options.modelName = values['model-name']
  if (values.threads !== undefined) options.threads = integer('threads', values.threads)
  if (values['context-size'] !== undefined)
    options.contextSize = integer('context-size', values['context-size'])
  if (values.parallel !== undefined) options.parallel = integer('parallel', values.parallel)
  if (values['max-queue'] !== undefined)
    options.maxQueue = integer('max-queue', values['max-queue'])
  if (values['request-timeout'] !== undefined)
    options.requestTimeoutMs = integer('request-timeout', values['request-timeout']) * 1000
  if (values['no-embeddings']) options.embeddings = false
  return options
}

function integer(name: string, text: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`--${name} must be a non-negative integer, got "${text}"`)
  }
  return value
}

async function main(): Promise<void> {
  let options: StartLlmServerOptions
  try {
    const args = process.argv.slice(2)
    // `pnpm start -- --port 1` passes the separator through; it is not an argument.
    options = parseOptions(args[0] === '--' ? args.slice(1) : args)
  } catch (error) {
    process.stderr.write(`${describeError(error)}\n\n${usage}`)
    process.exit(2)
  }
  const server = await startLlmServer(options)
  console.log(`llm-server: serving ${server.modelName} (${server.modelPath})`)
  console.log(`llm-server: listening on ${server.url} (OpenAI base URL ${server.baseUrl})`)
  const shutdown = (signal: string) => {
    console.log(`llm-server: ${signal}, stopping`)
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', () => shutdown('SIGINT'))
  process.once('SIGTERM', () => shutdown('SIGTERM'))
}

main().catch((error: unknown) => {
  console.error('llm-server:', error instanceof Error ? error.message : error)
  process.exit(1)
})
