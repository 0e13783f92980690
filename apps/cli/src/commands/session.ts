import type { Session } from '@decai/protocol'
import { type Command, heightOption, integerOption, stringOption } from '../command.js'
import type { Context } from '../context.js'
import { CliError, usageError } from '../errors.js'
import { table } from '../output.js'

/** The application and service a command is about: flags, else the local network's. */
export function resolveAppAndService(
  ctx: Context,
  values: Record<string, unknown>,
): { applicationAddress: string; serviceId: string } {
  const app = typeof values['app'] === 'string' ? values['app'] : ctx.network?.application.address
  const serviceId =
    typeof values['service'] === 'string' ? values['service'] : ctx.network?.serviceId
  if (app === undefined) throw usageError('--app is required (no local network found).')
  if (serviceId === undefined) throw usageError('--service is required (no local network found).')
  return { applicationAddress: ctx.keyring.resolveAddress(app), serviceId }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Waits, with a status line, until the application's session has a supplier. */
export async function waitForSuppliers(
  ctx: Context,
  parameters: { applicationAddress: string; serviceId: string; timeoutMs: number },
): Promise<Session> {
  const chain = await ctx.chain()
  const deadline = Date.now() + parameters.timeoutMs
  for (;;) {
    const height = await chain.getLatestHeight()
    let session: Session | undefined
    try {
      session = await chain.getSession(parameters)
    } catch {
      // No session yet (the application or its stake is not active): keep waiting.
    }
    if (session && session.suppliers.length > 0) {
      ctx.out.done()
      return session
    }
    const shared = await chain.getParams({ module: 'shared' })
    const { getNextSessionStartHeight } = await import('@decai/session')
    const next = getNextSessionStartHeight(shared, height)
    ctx.out.status(
      `waiting for a session with suppliers: height ${height}, next session starts at ${next}…`,
    )
    if (Date.now() > deadline) {
      ctx.out.done()
      throw new CliError('TIMEOUT', 'No session with suppliers in time.', {
        details: `${parameters.serviceId} for ${parameters.applicationAddress}`,
      })
    }
    await sleep(500)
  }
}

const session: Command = {
  path: ['session'],
  usage: '[--app <key|address>] [--service <id>] [--height H] [--wait [--timeout S]]',
  summary: "an application's session: ID, heights and suppliers (--wait: until it has suppliers)",
  options: {
    app: { type: 'string' },
    service: { type: 'string' },
    height: { type: 'string' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
  },
  async run({ values, ctx }) {
    const target = resolveAppAndService(ctx, values)
    const height = heightOption(values, 'height')
    const s =
      values['wait'] === true
        ? await waitForSuppliers(ctx, {
            ...target,
            timeoutMs: (integerOption(values, 'timeout') ?? 120) * 1000,
          })
        : await (await ctx.chain()).getSession({
            ...target,
            ...(height === undefined ? {} : { height }),
          })
    const header = s.header!
    const suppliers = s.suppliers.map((sup) => ({
      operatorAddress: sup.operatorAddress,
      endpoints: sup.services
        .filter((c) => c.serviceId === target.serviceId)
        .flatMap((c) => c.endpoints.map((e) => e.url)),
    }))
    if (ctx.json)
      return ctx.out.json({
        sessionId: header.sessionId,
        applicationAddress: header.applicationAddress,
        serviceId: header.serviceId,
        startHeight: header.sessionStartBlockHeight,
        endHeight: header.sessionEndBlockHeight,
        sessionNumber: s.sessionNumber,
        suppliers,
      })
    ctx.out.line(`session      ${header.sessionId}`)
    ctx.out.line(`application  ${header.applicationAddress}`)
    ctx.out.line(`service      ${header.serviceId}`)
    ctx.out.line(
      `heights      ${header.sessionStartBlockHeight}..${header.sessionEndBlockHeight} (session ${s.sessionNumber})`,
    )
    ctx.out.line(`suppliers    ${suppliers.length}`)
    for (const line of table(
      suppliers.map((x) => ['  ', x.operatorAddress, x.endpoints.join(' ')]),
    ))
      ctx.out.line(line)
    if (stringOption(values, 'height') === undefined && suppliers.length === 0)
      ctx.out.note(
        'No supplier yet: new stakes join at the next session start (decai session --wait).',
      )
  },
}

export const sessionCommands = [session]
