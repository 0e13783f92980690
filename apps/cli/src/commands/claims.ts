import type { ClaimSettlement } from '@decai/chain'
import type { Claim } from '@decai/protocol'
import { type Command, heightOption, integerOption, stringOption } from '../command.js'
import type { Context } from '../context.js'
import { CliError } from '../errors.js'
import { formatPokt, table } from '../output.js'
import { sleep } from './session.js'

type ClaimsView = {
  height: bigint
  pending: { claim: Claim; relays: bigint; computeUnits: bigint; settlesAt: bigint }[]
  settled: ClaimSettlement[]
}

async function readClaims(
  ctx: Context,
  filter: { supplier?: string | undefined; serviceId?: string | undefined; fromHeight: bigint },
): Promise<ClaimsView> {
  const chain = await ctx.chain()
  const height = await chain.getLatestHeight()
  const shared = await chain.getParams({ module: 'shared' })
  const { getRootCount, getRootSum } = await import('@decai/relay-mining')
  const { getSettlementHeight } = await import('@decai/session')
  const claims = await chain.getClaims(
    filter.supplier === undefined ? {} : { supplierOperatorAddress: filter.supplier },
  )
  const pending = claims
    .filter(
      (c) => filter.serviceId === undefined || c.sessionHeader?.serviceId === filter.serviceId,
    )
    .map((claim) => ({
      claim,
      relays: getRootCount(claim.rootHash),
      computeUnits: getRootSum(claim.rootHash),
      settlesAt: getSettlementHeight(shared, claim.sessionHeader!.sessionEndBlockHeight),
    }))
  const from = filter.fromHeight < 1n ? 1n : filter.fromHeight
  const settled =
    from > height
      ? []
      : (
          await chain.getClaimSettlements({
            fromHeight: from,
            toHeight: height,
            ...(filter.serviceId === undefined ? {} : { serviceId: filter.serviceId }),
          })
        ).filter(
          (s) => filter.supplier === undefined || s.supplierOperatorAddress === filter.supplier,
        )
  return { height, pending, settled }
}

const sumBy = (settlement: ClaimSettlement, role: string) =>
  settlement.rewards.filter((r) => r.role === role).reduce((sum, r) => sum + r.amount, 0n)

function print(ctx: Context, view: ClaimsView, fromHeight: bigint): void {
  if (ctx.json) {
    ctx.out.json({
      height: view.height,
      pending: view.pending.map((p) => ({
        sessionId: p.claim.sessionHeader?.sessionId,
        supplierOperatorAddress: p.claim.supplierOperatorAddress,
        sessionEndHeight: p.claim.sessionHeader?.sessionEndBlockHeight,
        relays: p.relays,
        computeUnits: p.computeUnits,
        settlesAt: p.settlesAt,
      })),
      settled: view.settled,
      earned: Object.fromEntries(earnedBySupplier(view.settled)),
    })
    return
  }
  ctx.out.line(`height ${view.height}`)
  ctx.out.line('')
  ctx.out.line(`pending claims: ${view.pending.length}`)
  if (view.pending.length > 0)
    for (const line of table([
      ['  SESSION', 'SUPPLIER', 'RELAYS', 'SETTLES AT'],
      ...view.pending.map((p) => [
        `  ${p.claim.sessionHeader?.sessionId.slice(0, 16)}…`,
        p.claim.supplierOperatorAddress,
        String(p.relays),
        `height ${p.settlesAt}`,
      ]),
    ]))
      ctx.out.line(line)
  ctx.out.line('')
  ctx.out.line(`settled since height ${fromHeight}: ${view.settled.length}`)
  if (view.settled.length > 0)
    for (const line of table([
      ['  HEIGHT', 'SUPPLIER', 'STATUS', 'RELAYS', 'SETTLED', 'TO SUPPLIER', 'TO SERVICE OWNER'],
      ...view.settled.map((s) => [
        `  ${s.height}`,
        s.supplierOperatorAddress,
        s.status,
        String(s.numRelays),
        formatPokt(s.settledUpokt),
        formatPokt(sumBy(s, 'supplier')),
        formatPokt(sumBy(s, 'sourceOwner')),
      ]),
    ]))
      ctx.out.line(line)
  const earned = earnedBySupplier(view.settled)
  if (earned.size > 0) {
    ctx.out.line('')
    ctx.out.line('earned by supplier (rev-share payouts of settled claims):')
    for (const [supplier, upokt] of earned) ctx.out.line(`  ${supplier}  ${formatPokt(upokt)}`)
  }
}

function earnedBySupplier(settled: readonly ClaimSettlement[]): Map<string, bigint> {
  const out = new Map<string, bigint>()
  for (const s of settled)
    out.set(
      s.supplierOperatorAddress,
      (out.get(s.supplierOperatorAddress) ?? 0n) + sumBy(s, 'supplier'),
    )
  return out
}

const claims: Command = {
  path: ['claims'],
  usage: '[--supplier <key|address>] [--service <id>] [--from-height H] [--wait [--timeout S]]',
  summary: 'pending and settled claims and what suppliers earned (--wait: until a claim settles)',
  options: {
    supplier: { type: 'string' },
    service: { type: 'string' },
    'from-height': { type: 'string' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
  },
  async run({ values, ctx }) {
    const supplierArg = stringOption(values, 'supplier')
    const supplier = supplierArg === undefined ? undefined : ctx.keyring.resolveAddress(supplierArg)
    const serviceId = stringOption(values, 'service')
    const latest = await (await ctx.chain()).getLatestHeight()
    // Settlements are read block by block: the last 1000 blocks unless asked otherwise.
    const fromHeight = heightOption(values, 'from-height') ?? (latest > 1000n ? latest - 999n : 1n)
    if (values['wait'] !== true)
      return print(ctx, await readClaims(ctx, { supplier, serviceId, fromHeight }), fromHeight)

    const deadline = Date.now() + (integerOption(values, 'timeout') ?? 300) * 1000
    const watchFrom = latest + 1n
    for (;;) {
      const view = await readClaims(ctx, { supplier, serviceId, fromHeight: watchFrom })
      if (view.settled.length > 0) {
        ctx.out.done(`a claim settled at height ${view.settled[0]!.height}`)
        return print(ctx, await readClaims(ctx, { supplier, serviceId, fromHeight }), fromHeight)
      }
      const next = view.pending.sort((a, b) => Number(a.settlesAt - b.settlesAt))[0]
      ctx.out.status(
        next === undefined
          ? `waiting for a claim: height ${view.height}, no pending claim yet (claims follow the end of a session with relays)…`
          : `waiting for the claim of session ${next.claim.sessionHeader?.sessionId.slice(0, 12)}… (${next.relays} relays) to settle at height ${next.settlesAt}: now ${view.height}…`,
      )
      if (Date.now() > deadline) {
        ctx.out.done()
        throw new CliError('TIMEOUT', 'No claim settled in time.')
      }
      await sleep(1000)
    }
  },
}

export const claimsCommands = [claims]
