import { isPostgresUnavailable } from '@decai/app-kit/postgres'
import { describeError } from '@decai/core'
import { type Context, Hono } from 'hono'
import { formatPokt } from './amounts.js'
import { DashboardError, isDashboardError } from './errors.js'
import type { IndexerStatus } from './indexer.js'
import {
  checkAddress,
  checkHeight,
  checkServiceId,
  getBlockSettlements,
  getChampion,
  getExpiredClaims,
  getNetwork,
  getPendingClaims,
  getService,
  getServiceBreakdown,
  getServiceSeries,
  getServiceSettlements,
  search,
} from './queries.js'
import type { Store } from './store.js'
import type { UiBundle } from './ui-bundle.js'
import {
  claimAuditColumns,
  fetchWatcherReport,
  toClaimAuditTable,
  toVerdictTable,
  verdictColumns,
} from './watcher.js'

export type CreateAppParameters = {
  store: Store
  status: () => IndexerStatus
  ui: UiBundle
  /** A watcher's base URL; its `GET /reports/latest` is shown per supplier at `/api/watcher`. */
  watcherUrl?: string | undefined
}

/** JSON with every bigint as a decimal string (exact, unlike a JSON number). */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v))
}

function sendJson(c: Context, value: unknown, status = 200): Response {
  return c.body(toJson(value), status as 200, { 'content-type': 'application/json; charset=utf-8' })
}

/** Any of the views' tables. */
type AnyTable = { columns: readonly string[]; rows: readonly object[] }

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value)
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** RFC 4180 CSV of a table. */
export function toCsv(t: AnyTable): string {
  const lines = [t.columns.map(csvCell).join(',')]
  for (const row of t.rows)
    lines.push(t.columns.map((c) => csvCell((row as Record<string, unknown>)[c])).join(','))
  return `${lines.join('\r\n')}\r\n`
}

/** A table as JSON, or as a CSV download with `?format=csv`. */
function sendTable(c: Context, t: AnyTable, name: string): Response {
  const format = c.req.query('format') ?? 'json'
  if (format === 'csv') {
    return c.body(toCsv(t), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name.replace(/[^\w.-]/g, '_')}.csv"`,
    })
  }
  if (format !== 'json')
    throw new DashboardError('INVALID_PARAMETER', 'format is json or csv.', { details: format })
  return sendJson(c, t)
}

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>DecAI champion dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/app.css">
</head>
<body>
<div id="app"><noscript>The dashboard needs JavaScript; the JSON API is at /api.</noscript></div>
<script type="module" src="/ui/app.js"></script>
</body>
</html>
`

/** The dashboard's HTTP app: the JSON API under `/api`, the UI everywhere else. */
export function createApp(parameters: CreateAppParameters): Hono {
  const { store, status, ui, watcherUrl } = parameters
  const app = new Hono()

  app.onError(async (error, c) => {
    const known = isDashboardError(error)
      ? error
      : isPostgresUnavailable(error)
        ? new DashboardError('STORE_UNAVAILABLE', 'The index database cannot be reached.', {
            cause: error,
          })
        : new DashboardError('INTERNAL', 'The dashboard failed.', { cause: error })
    return sendJson(
      c,
      {
        error: {
          code: known.code,
          message: known.shortMessage,
          details: known.details ?? describeError(error),
        },
        // Unknown while the index cannot be read (its database is down).
        indexedHeight: await store.getHeight().catch(() => undefined),
      },
      known.status,
    )
  })
  app.notFound((c) => {
    if (c.req.path.startsWith('/api/')) {
      throw new DashboardError('NOT_FOUND', 'No such API route.', { details: c.req.path })
    }
    return c.html(HTML, 404)
  })

  app.get('/api/status', async (c) => {
    const s = status()
    return sendJson(c, {
      ...s,
      chainId: s.chainId ?? (await store.getMeta('chain_id')),
      indexedHeight: await store.getHeight(),
      indexedTimeMs: await store.getHeightTime(),
      networkHeight: await store.getNetworkHeight(),
      watcher: watcherUrl !== undefined,
    })
  })
  app.get('/api/search', async (c) => sendJson(c, await search(store, c.req.query('q') ?? '')))

  app.get('/api/champions/:address', async (c) => {
    const champion = await getChampion(store, c.req.param('address'))
    if (c.req.query('format') === 'csv')
      return sendTable(c, champion.services, `champion-${champion.address}`)
    return sendJson(c, {
      ...champion,
      championSharePokt: formatPokt(champion.championShareUpokt),
      settledPokt: formatPokt(champion.settledUpokt),
    })
  })
  app.get('/api/champions/:address/pending', async (c) =>
    sendTable(
      c,
      await getPendingClaims(store, { owner: checkAddress(c.req.param('address')) }),
      'pending',
    ),
  )
  app.get('/api/champions/:address/expired', async (c) =>
    sendTable(
      c,
      await getExpiredClaims(store, { owner: checkAddress(c.req.param('address')) }),
      'expired',
    ),
  )

  app.get('/api/services/:id', async (c) => {
    const service = await getService(store, c.req.param('id'))
    if (c.req.query('format') === 'csv')
      return sendTable(c, service.owners, `service-${service.serviceId}-owners`)
    return sendJson(c, {
      ...service,
      settledPokt: formatPokt(service.settled_upokt),
      ownerSharePokt: formatPokt(service.owner_share_upokt),
    })
  })
  app.get('/api/services/:id/suppliers', async (c) =>
    sendTable(
      c,
      await getServiceBreakdown(store, c.req.param('id'), 'supplier'),
      `${c.req.param('id')}-suppliers`,
    ),
  )
  app.get('/api/services/:id/applications', async (c) =>
    sendTable(
      c,
      await getServiceBreakdown(store, c.req.param('id'), 'application'),
      `${c.req.param('id')}-applications`,
    ),
  )
  app.get('/api/services/:id/series', async (c) => {
    const bucket = c.req.query('bucket') ?? 'hour'
    if (bucket !== 'hour' && bucket !== 'day')
      throw new DashboardError('INVALID_PARAMETER', 'bucket is hour or day.', { details: bucket })
    const address = c.req.query('address')
    return sendTable(
      c,
      await getServiceSeries(store, c.req.param('id'), bucket, address),
      `${c.req.param('id')}-${bucket}`,
    )
  })
  app.get('/api/services/:id/settlements', async (c) =>
    sendTable(
      c,
      await getServiceSettlements(store, c.req.param('id')),
      `${c.req.param('id')}-settlements`,
    ),
  )
  app.get('/api/services/:id/pending', async (c) =>
    sendTable(
      c,
      await getPendingClaims(store, { serviceId: checkServiceId(c.req.param('id')) }),
      'pending',
    ),
  )
  app.get('/api/services/:id/expired', async (c) =>
    sendTable(
      c,
      await getExpiredClaims(store, { serviceId: checkServiceId(c.req.param('id')) }),
      'expired',
    ),
  )

  app.get('/api/claims/pending', async (c) =>
    sendTable(c, await getPendingClaims(store), 'pending'),
  )
  app.get('/api/claims/expired', async (c) =>
    sendTable(c, await getExpiredClaims(store), 'expired'),
  )

  app.get('/api/blocks/:height', async (c) => {
    const block = await getBlockSettlements(store, checkHeight(c.req.param('height')))
    if (c.req.query('table') === 'rewards')
      return sendTable(c, block.rewards, `block-${block.height}-rewards`)
    if (c.req.query('format') === 'csv')
      return sendTable(c, block.settlements, `block-${block.height}`)
    return sendJson(c, block)
  })

  app.get('/api/network', async (c) => sendJson(c, await getNetwork(store)))
  for (const part of ['services', 'suppliers', 'applications', 'gateways'] as const) {
    app.get(`/api/network/${part}`, async (c) =>
      sendTable(c, (await getNetwork(store))[part], part),
    )
  }

  // The verdicts: always 200 with a notice (`error`) when the watcher is down or answers
  // something else, so the page around them renders; `?service=` keeps one service.
  app.get('/api/watcher', async (c) => {
    const serviceId = c.req.query('service')
    const empty = {
      verdicts: { columns: verdictColumns, rows: [] },
      claimAudit: { columns: claimAuditColumns, rows: [] },
    }
    if (watcherUrl === undefined) return sendJson(c, { configured: false, ...empty })
    try {
      const report = await fetchWatcherReport(watcherUrl)
      return sendJson(c, {
        configured: true,
        watcher: report.watcher.address,
        createdAt: report.createdAt,
        verdicts: toVerdictTable(report, serviceId),
        // Whether the watcher runs the claim audit at all (its entries say null when not).
        claimAuditEnabled: report.entries.some((e) => e.claimAudit != null),
        claimAudit: toClaimAuditTable(report, serviceId),
      })
    } catch (error) {
      const known = isDashboardError(error)
        ? error
        : new DashboardError('INTERNAL', 'The dashboard failed.', { cause: error })
      return sendJson(c, {
        configured: true,
        ...empty,
        error: { code: known.code, message: known.shortMessage, details: known.details },
      })
    }
  })
  // The same table as JSON or CSV; a watcher that is down is a 502 with its code here.
  app.get('/api/watcher/verdicts', async (c) => {
    const serviceId = c.req.query('service')
    const name = `watcher-verdicts${serviceId ? `-${serviceId}` : ''}`
    if (watcherUrl === undefined) return sendTable(c, { columns: verdictColumns, rows: [] }, name)
    return sendTable(c, toVerdictTable(await fetchWatcherReport(watcherUrl), serviceId), name)
  })
  // The claim audit from the same report: claimed against delivered relays per audited session.
  app.get('/api/watcher/claim-audit', async (c) => {
    const serviceId = c.req.query('service')
    const name = `watcher-claim-audit${serviceId ? `-${serviceId}` : ''}`
    if (watcherUrl === undefined)
      return sendTable(c, { columns: claimAuditColumns, rows: [] }, name)
    return sendTable(c, toClaimAuditTable(await fetchWatcherReport(watcherUrl), serviceId), name)
  })

  app.get('/ui/app.js', (c) =>
    c.body(ui.js, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  )
  app.get('/ui/app.css', (c) => c.body(ui.css, 200, { 'content-type': 'text/css; charset=utf-8' }))
  app.get('/', (c) => c.html(HTML))
  return app
}
