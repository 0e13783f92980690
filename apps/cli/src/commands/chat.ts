import type {
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionMessageParam,
} from '@decai/sdk'
import { type Command, integerOption, type OptionValues, stringOption } from '../command.js'
import type { Context } from '../context.js'
import { CliError, usageError } from '../errors.js'

type Target =
  | { kind: 'gateway'; baseUrl: string; apiKey: string | undefined }
  | { kind: 'direct'; from: string; serviceId: string }

/** `--gateway`, else `--from` (direct), else the local network's gateway. */
function resolveTarget(ctx: Context, values: OptionValues): Target {
  const gateway = stringOption(values, 'gateway')
  const from = stringOption(values, 'from')
  if (gateway !== undefined && from !== undefined)
    throw usageError('Give --gateway or --from, not both.')
  if (from !== undefined) {
    const serviceId = stringOption(values, 'service') ?? ctx.network?.serviceId
    if (serviceId === undefined) throw usageError('--service is required (no local network found).')
    return { kind: 'direct', from, serviceId }
  }
  const baseUrl = gateway ?? ctx.network?.gateway.baseUrl
  if (baseUrl === undefined)
    throw usageError('Give --gateway <url> or --from <application key> (no local network found).')
  return {
    kind: 'gateway',
    baseUrl: toBaseUrl(baseUrl),
    apiKey:
      stringOption(values, 'api-key') ??
      (gateway === undefined ? ctx.network?.gateway.apiKey : undefined),
  }
}

/** `http://host:3069` and `http://host:3069/v1` both mean the OpenAI base `…/v1`. */
export function toBaseUrl(url: string): string {
  const parsed = new URL(url)
  const path = parsed.pathname.replace(/\/+$/, '')
  parsed.pathname = path === '' ? '/v1' : path
  return parsed.toString().replace(/\/+$/, '')
}

async function* gatewayStream(
  baseUrl: string,
  apiKey: string | undefined,
  body: ChatCompletionCreateParams,
): AsyncGenerator<ChatCompletionChunk> {
  const response = await fetch(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(apiKey === undefined ? {} : { Authorization: `Bearer ${apiKey}` }),
    },
    body: JSON.stringify(body),
  }).catch((cause: unknown) => {
    throw new CliError('REQUEST_FAILED', `Cannot reach the gateway at ${baseUrl}.`, {
      details:
        cause instanceof Error
          ? `${cause.message}${cause.cause instanceof Error ? `: ${cause.cause.message}` : ''}`
          : String(cause),
    })
  })
  if (!response.ok || response.body === null) {
    const text = await response.text()
    throw new CliError('REQUEST_FAILED', `The gateway answered HTTP ${response.status}.`, {
      details: text.slice(0, 500),
    })
  }
  if (body.stream !== true) {
    const completion = (await response.json()) as {
      choices: { message: { content: string | null } }[]
      model: string
      id: string
    }
    yield {
      id: completion.id,
      object: 'chat.completion.chunk',
      created: 0,
      model: completion.model,
      choices: [
        {
          index: 0,
          delta: { content: completion.choices[0]?.message.content ?? '' },
          finish_reason: 'stop',
        },
      ],
    }
    return
  }
  const { readServerSentEvents } = await import('@decai/sdk')
  for await (const data of readServerSentEvents(response.body)) {
    if (data === '[DONE]') return
    const chunk = JSON.parse(data) as ChatCompletionChunk & { error?: { message?: string } }
    if (chunk.error)
      throw new CliError('REQUEST_FAILED', 'The gateway reported an error mid-stream.', {
        details: chunk.error.message,
      })
    yield chunk
  }
}

const chat: Command = {
  path: ['chat'],
  usage:
    '[prompt...] [--from <app key> [--service <id>] | --gateway <url> [--api-key K]] [--model M] [--max-tokens N] [--temperature T] [--system TEXT] [--no-stream]',
  summary:
    'send a prompt and stream the answer: directly to suppliers (--from) or through a gateway',
  options: {
    from: { type: 'string' },
    service: { type: 'string' },
    gateway: { type: 'string' },
    'api-key': { type: 'string' },
    model: { type: 'string' },
    'max-tokens': { type: 'string' },
    temperature: { type: 'string' },
    system: { type: 'string' },
    'no-stream': { type: 'boolean' },
  },
  async run({ args, values, ctx, readStdin }) {
    let prompt = args.join(' ').trim()
    if (prompt === '' || prompt === '-') prompt = (await readStdin()).trim()
    if (prompt === '') throw usageError('Give a prompt (as arguments or on stdin).')
    const target = resolveTarget(ctx, values)
    const messages: ChatCompletionMessageParam[] = []
    const system = stringOption(values, 'system')
    if (system !== undefined) messages.push({ role: 'system', content: system })
    messages.push({ role: 'user', content: prompt })
    const temperature = stringOption(values, 'temperature')
    const model = stringOption(values, 'model') ?? ctx.network?.model
    const stream = values['no-stream'] !== true
    const body: ChatCompletionCreateParams = {
      messages,
      max_tokens: integerOption(values, 'max-tokens') ?? 128,
      ...(model === undefined ? {} : { model }),
      ...(temperature === undefined ? {} : { temperature: Number(temperature) }),
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : { stream: false }),
    }
    const started = Date.now()
    let chunks: AsyncIterable<ChatCompletionChunk>
    let via = ''
    if (target.kind === 'gateway') {
      ctx.out.status(`asking ${target.baseUrl}…`)
      chunks = gatewayStream(target.baseUrl, target.apiKey, body)
      via = `gateway ${target.baseUrl}`
    } else {
      const { createClient } = await import('@decai/sdk')
      const client = createClient({
        chain: ctx.rpcUrl,
        key: ctx.keyring.privateKey(target.from),
        service: target.serviceId,
        onEvent: (event) => {
          if (event.type === 'session')
            ctx.out.status(
              `session ${event.sessionId.slice(0, 12)}… (heights ${event.startHeight}..${event.endHeight}), ${event.suppliers} suppliers`,
            )
          else if (event.type === 'attempt')
            ctx.out.status(`asking supplier ${event.supplierOperatorAddress}…`)
          else
            ctx.out.note(
              `supplier ${event.failure.supplierOperatorAddress} failed (${event.failure.code}); trying another`,
            )
        },
      })
      if (stream) {
        const relayed = await client.chat.completions.create({ ...body, stream: true })
        via = `supplier ${relayed.response.relay.supplierOperatorAddress} (verified stream)`
        chunks = relayed
      } else {
        const completion = await client.chat.completions.create({ ...body, stream: false })
        via = 'a session supplier (verified response)'
        chunks = (async function* () {
          yield {
            id: completion.id,
            object: 'chat.completion.chunk' as const,
            created: completion.created,
            model: completion.model,
            choices: [
              {
                index: 0,
                delta: { content: completion.choices[0]?.message.content ?? '' },
                finish_reason: 'stop',
              },
            ],
            ...(completion.usage ? { usage: completion.usage } : {}),
          }
        })()
      }
    }
    let text = ''
    let usage: ChatCompletionChunk['usage']
    let first = true
    for await (const chunk of chunks) {
      const piece = chunk.choices[0]?.delta.content ?? ''
      if (piece !== '' && first) {
        first = false
        if (!ctx.json) ctx.out.done()
      }
      text += piece
      if (!ctx.json) ctx.out.write(piece)
      if (chunk.usage) usage = chunk.usage
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1)
    if (ctx.json) return ctx.out.json({ content: text, via, usage, seconds: Number(seconds) })
    ctx.out.done()
    ctx.out.write('\n')
    const tokens = usage ? `, ${usage.completion_tokens} tokens` : ''
    ctx.out.note(`(${via}, ${seconds} s${tokens})`)
  },
}

export const chatCommands = [chat]
