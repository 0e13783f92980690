// The dashboard's browser UI: Preact for the views, uPlot for the charts, the JSON API for data.
// Routes live in the URL hash (#/address/pokt1…, #/service/llm, #/block/42, #/claims), so every
// view is a link and the server serves one page.
import { render } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import './style.css'
import { formatPokt, groupDigits } from '../amounts.js'

type Row = Record<string, string | number | null>
type Table = { columns: string[]; rows: Row[] }
type ApiError = { code: string; message: string; details?: string }
type Loaded<T> = { data?: T; error?: ApiError; loading: boolean }

class RequestError extends Error {
  constructor(readonly body: ApiError) {
    super(body.message)
  }
}

async function getJson<T>(path: string): Promise<T> {
  let res: Response
  try {
    res = await fetch(path)
  } catch {
    throw new RequestError({ code: 'UNREACHABLE', message: 'The dashboard server did not answer.' })
  }
  const body = (await res.json().catch(() => undefined)) as { error?: ApiError } | undefined
  if (!res.ok || body === undefined) {
    throw new RequestError(
      body?.error ?? { code: `HTTP_${res.status}`, message: `The server answered ${res.status}.` },
    )
  }
  return body as T
}

/** Loads `path` (again whenever it changes). */
function useApi<T>(path: string | undefined): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ loading: path !== undefined })
  useEffect(() => {
    if (path === undefined) return
    let live = true
    setState({ loading: true })
    getJson<T>(path).then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) =>
        live &&
        setState({
          loading: false,
          error:
            error instanceof RequestError
              ? error.body
              : { code: 'UI_ERROR', message: String(error) },
        }),
    )
    return () => {
      live = false
    }
  }, [path])
  return state
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash)
  useEffect(() => {
    const onChange = () => setHash(location.hash)
    addEventListener('hashchange', onChange)
    return () => removeEventListener('hashchange', onChange)
  }, [])
  return hash
}

// --- pieces ------------------------------------------------------------------------------------

function Amount({ upokt, testId }: { upokt: string | number | null; testId?: string }) {
  const value = BigInt(upokt ?? 0)
  return (
    <span class="amount" data-testid={testId} data-upokt={value.toString()}>
      <strong>{formatPokt(value)} POKT</strong>
      <small>{groupDigits(value)} uPOKT</small>
    </span>
  )
}

function ErrorBox({ error }: { error: ApiError }) {
  return (
    <div class="error" role="alert">
      <strong>{error.message}</strong> <code>{error.code}</code>
      {error.details ? <div class="details">{error.details}</div> : null}
    </div>
  )
}

const addressColumns = new Set([
  'address',
  'supplier',
  'owner',
  'current_owner',
  'supplier_operator',
  'application',
  'operator',
  'recipient',
])

function Cell({ column, value }: { column: string; value: string | number | null }) {
  if (value === null || value === '') return <td />
  if (column.endsWith('_upokt')) return <td class="num">{<Amount upokt={value} />}</td>
  if (column === 'height' || column === 'claimed_height')
    return (
      <td class="num">
        <a href={`#/block/${value}`}>{value}</a>
      </td>
    )
  if (column === 'service_id' || column === 'id')
    return (
      <td>
        <a href={`#/service/${encodeURIComponent(String(value))}`}>{value}</a>
      </td>
    )
  if (addressColumns.has(column))
    return (
      <td class="addr">
        <a href={`#/address/${value}`}>{value}</a>
      </td>
    )
  if (column === 'verdict')
    return (
      <td>
        <span class={`verdict ${value}`} data-verdict={value}>
          {value}
        </span>
      </td>
    )
  if (column === 'claim_verdict')
    return (
      <td>
        <span
          class={`verdict ${value === 'over_claimed' ? 'mismatch' : 'match'}`}
          data-claim-verdict={value}
        >
          {value === 'over_claimed' ? 'over-claimed' : 'within bound'}
        </span>
      </td>
    )
  if (column === 'time_ms' || column === 'start_ms')
    return <td>{Number(value) > 0 ? new Date(Number(value)).toISOString().slice(0, 16) : ''}</td>
  if (typeof value === 'number' || /^\d+$/.test(String(value)))
    return <td class="num">{groupDigits(BigInt(value))}</td>
  return <td>{value}</td>
}

function DataTable({
  title,
  path,
  table,
}: {
  title: string
  path: string
  table?: Table | undefined
}) {
  const loaded = useApi<Table>(table ? undefined : path)
  const data = table ?? loaded.data
  const csv = `${path}${path.includes('?') ? '&' : '?'}format=csv`
  return (
    <section class="table">
      <header>
        <h3>{title}</h3>
        <a class="csv" href={csv} download>
          CSV
        </a>
      </header>
      {loaded.error ? <ErrorBox error={loaded.error} /> : null}
      {data ? (
        data.rows.length === 0 ? (
          <p class="empty">None.</p>
        ) : (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  {data.columns.map((c) => (
                    <th scope="col" key={c}>
                      {c.replaceAll('_', ' ')}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.rows.map((row, i) => (
                  <tr key={i}>
                    {data.columns.map((c) => (
                      <Cell key={c} column={c} value={row[c] ?? null} />
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : loaded.loading ? (
        <p class="empty">Loading…</p>
      ) : null}
    </section>
  )
}

/** Settled uPOKT (and the owner's share) per hour or day, drawn with uPlot. */
function SeriesChart({ serviceId, address }: { serviceId: string; address?: string }) {
  const [bucket, setBucket] = useState<'hour' | 'day'>('hour')
  const query = `bucket=${bucket}${address ? `&address=${address}` : ''}`
  const path = `/api/services/${encodeURIComponent(serviceId)}/series?${query}`
  const { data, error } = useApi<Table>(path)
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = box.current
    if (!el || !data) return
    // Plotted as numbers, which only positions points; every figure shown as text is exact.
    const xs = data.rows.map((r) => Number(r['start_ms']) / 1000)
    const pokt = (column: string) => data.rows.map((r) => Number(BigInt(r[column] ?? 0)) / 1e6)
    const span = bucket === 'hour' ? 3600 : 86_400
    const width = Math.max(280, Math.min(el.clientWidth || 600, 900))
    const plot = new uPlot(
      {
        width,
        height: 220,
        // One bucket of room either side, so a single point sits in a readable span of time.
        scales: {
          x: {
            time: true,
            auto: false,
            min: (xs[0] ?? Date.now() / 1000) - span,
            max: (xs.at(-1) ?? Date.now() / 1000) + span,
          },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        series: [
          {},
          { label: 'settled POKT', stroke: '#2563eb', width: 2, points: { size: 6 } },
          {
            label: address ? 'champion share POKT' : 'owner share POKT',
            stroke: '#16a34a',
            width: 2,
            points: { size: 6 },
          },
        ],
        axes: [{}, { size: 60 }],
      },
      [xs, pokt('settled_upokt'), pokt('owner_share_upokt')],
      el,
    )
    return () => plot.destroy()
  }, [data, address, bucket])
  return (
    <figure class="chart" data-testid={`chart-${serviceId}`}>
      <figcaption>
        {serviceId}: settled per{' '}
        <select
          aria-label="Chart bucket"
          value={bucket}
          onChange={(e) => setBucket((e.currentTarget as HTMLSelectElement).value as 'hour')}
        >
          <option value="hour">hour</option>
          <option value="day">day</option>
        </select>{' '}
        <a href={`${path}&format=csv`} download>
          CSV
        </a>
      </figcaption>
      {error ? <ErrorBox error={error} /> : null}
      <div ref={box} class="plot" />
    </figure>
  )
}

// --- views -------------------------------------------------------------------------------------

type Champion = {
  address: string
  roles: string[]
  championShareUpokt: string
  relays: string
  computeUnits: string
  settledUpokt: string
  services: Table
}

function ChampionView({ address }: { address: string }) {
  const { data, error, loading } = useApi<Champion>(`/api/champions/${encodeURIComponent(address)}`)
  if (error) return <ErrorBox error={error} />
  if (!data) return loading ? <p>Loading…</p> : null
  const base = `/api/champions/${address}`
  return (
    <article>
      <h2>
        Champion <span class="addr">{data.address}</span>
      </h2>
      <p class="roles">Known as: {data.roles.join(', ')}</p>
      <dl class="totals">
        <div>
          <dt>Champion share (service owner rewards)</dt>
          <dd>
            <Amount upokt={data.championShareUpokt} testId="champion-share" />
          </dd>
        </div>
        <div>
          <dt>Settled in its services</dt>
          <dd>
            <Amount upokt={data.settledUpokt} />
          </dd>
        </div>
        <div>
          <dt>Relays</dt>
          <dd class="num">{groupDigits(BigInt(data.relays))}</dd>
        </div>
        <div>
          <dt>Compute units</dt>
          <dd class="num">{groupDigits(BigInt(data.computeUnits))}</dd>
        </div>
      </dl>
      <DataTable title="Services" path={base} table={data.services} />
      {data.services.rows.map((s) => {
        const id = String(s['service_id'])
        const svc = `/api/services/${encodeURIComponent(id)}`
        return (
          <section key={id} class="service">
            <h3>
              Service <a href={`#/service/${encodeURIComponent(id)}`}>{id}</a>
            </h3>
            <SeriesChart serviceId={id} address={data.address} />
            <DataTable title="By supplier" path={`${svc}/suppliers`} />
            <WatcherPanel serviceId={id} />
            <DataTable title="By application" path={`${svc}/applications`} />
          </section>
        )
      })}
      <DataTable title="Pending claims (claimed, not settled)" path={`${base}/pending`} />
      <DataTable title="Expired claims (missing proof)" path={`${base}/expired`} />
    </article>
  )
}

type Service = {
  serviceId: string
  name: string
  owner: string
  settled_claims: string
  expired_claims: string
  relays: string
  compute_units: string
  settled_upokt: string
  owner_share_upokt: string
  owners: Table
}

function ServiceView({ id }: { id: string }) {
  const base = `/api/services/${encodeURIComponent(id)}`
  const { data, error, loading } = useApi<Service>(base)
  if (error) return <ErrorBox error={error} />
  if (!data) return loading ? <p>Loading…</p> : null
  return (
    <article>
      <h2>
        Service {data.serviceId} {data.name ? <small>({data.name})</small> : null}
      </h2>
      <p>
        Owner:{' '}
        {data.owner ? (
          <a class="addr" href={`#/address/${data.owner}`}>
            {data.owner}
          </a>
        ) : (
          'not on chain'
        )}
      </p>
      <dl class="totals">
        <div>
          <dt>Settled</dt>
          <dd>
            <Amount upokt={data.settled_upokt} testId="service-settled" />
          </dd>
        </div>
        <div>
          <dt>Owner share</dt>
          <dd>
            <Amount upokt={data.owner_share_upokt} />
          </dd>
        </div>
        <div>
          <dt>Relays</dt>
          <dd class="num">{groupDigits(BigInt(data.relays))}</dd>
        </div>
        <div>
          <dt>Compute units</dt>
          <dd class="num">{groupDigits(BigInt(data.compute_units))}</dd>
        </div>
        <div>
          <dt>Claims settled / expired</dt>
          <dd class="num">
            {data.settled_claims} / {data.expired_claims}
          </dd>
        </div>
      </dl>
      <SeriesChart serviceId={data.serviceId} />
      <DataTable title="Owner shares" path={base} table={data.owners} />
      <DataTable title="By supplier" path={`${base}/suppliers`} />
      <WatcherPanel serviceId={data.serviceId} />
      <DataTable title="By application" path={`${base}/applications`} />
      <DataTable title="Settlements" path={`${base}/settlements`} />
      <DataTable title="Pending claims" path={`${base}/pending`} />
      <DataTable title="Expired claims" path={`${base}/expired`} />
    </article>
  )
}

function BlockView({ height }: { height: string }) {
  const base = `/api/blocks/${encodeURIComponent(height)}`
  const { data, error } = useApi<{ settlements: Table; rewards: Table }>(base)
  if (error) return <ErrorBox error={error} />
  if (!data) return <p>Loading…</p>
  return (
    <article>
      <h2>Block {height}</h2>
      <DataTable title="Claims settled or expired" path={base} table={data.settlements} />
      <DataTable title="Transfers" path={`${base}?table=rewards`} table={data.rewards} />
    </article>
  )
}

type Network = { services: Table; suppliers: Table; applications: Table; gateways: Table }

function Overview() {
  const { data, error } = useApi<Network>('/api/network')
  return (
    <article>
      <h2>Network</h2>
      {error ? <ErrorBox error={error} /> : null}
      <DataTable title="Services and owners" path="/api/network/services" table={data?.services} />
      <DataTable title="Suppliers" path="/api/network/suppliers" table={data?.suppliers} />
      <DataTable title="Applications" path="/api/network/applications" table={data?.applications} />
      <DataTable title="Gateways" path="/api/network/gateways" table={data?.gateways} />
      <WatcherPanel />
    </article>
  )
}

function ClaimsView() {
  return (
    <article>
      <h2>Claims</h2>
      <DataTable title="Pending claims (claimed, not settled)" path="/api/claims/pending" />
      <DataTable title="Expired claims (missing proof)" path="/api/claims/expired" />
    </article>
  )
}

type WatcherVerdicts = {
  configured: boolean
  watcher?: string
  createdAt?: string
  verdicts: Table
  claimAuditEnabled?: boolean
  claimAudit: Table
  error?: ApiError
}

/**
 * The claim audit of the watcher's report: per audited session, the relays the supplier's
 * claim settled for against those the watcher delivered and the bound an honest claim stays
 * within; flagged suppliers named above the table.
 */
function ClaimAuditPanel({ data, query }: { data: WatcherVerdicts; query: string }) {
  if (!data.claimAuditEnabled) return null
  const rows = data.claimAudit.rows
  const flagged = [
    ...new Set(rows.filter((r) => r['supplier_flagged'] === 'yes').map((r) => r['supplier'])),
  ]
  return (
    <div class="claim-audit" data-testid="claim-audit">
      {flagged.length > 0 ? (
        <div class="error notice" role="status" data-testid="claim-audit-flagged">
          <strong>Over-claiming, excluded from routing:</strong>{' '}
          {flagged.map((a) => (
            <span class="addr" key={String(a)}>
              <a href={`#/address/${a}`}>{a}</a>{' '}
            </span>
          ))}
        </div>
      ) : null}
      <DataTable
        title="Claim audit: claimed vs delivered relays"
        path={`/api/watcher/claim-audit${query}`}
        table={data.claimAudit}
      />
      {rows.length === 0 ? <p class="note">No settled claim audited yet.</p> : null}
    </div>
  )
}

/** The watcher's verdicts per supplier (all services, or one); nothing when no watcher is set. */
function WatcherPanel({ serviceId }: { serviceId?: string }) {
  const query = serviceId ? `?service=${encodeURIComponent(serviceId)}` : ''
  const { data, error } = useApi<WatcherVerdicts>(`/api/watcher${query}`)
  if (error) return <ErrorBox error={error} />
  if (!data?.configured) return null
  const title = serviceId ? 'Watcher verdicts by supplier' : 'Watcher verdicts'
  return (
    <div class="watcher" data-testid={`watcher-${serviceId ?? 'all'}`}>
      {data.error ? (
        <section class="table">
          <header>
            <h3>{title}</h3>
          </header>
          <div class="error notice" role="status">
            <strong>Watcher verdicts unavailable: {data.error.message}</strong>{' '}
            <code>{data.error.code}</code>
            {data.error.details ? <div class="details">{data.error.details}</div> : null}
          </div>
        </section>
      ) : (
        <>
          <DataTable title={title} path={`/api/watcher/verdicts${query}`} table={data.verdicts} />
          <ClaimAuditPanel data={data} query={query} />
          <p class="note">
            Report of watcher <span class="addr">{data.watcher}</span> at {data.createdAt}.
          </p>
        </>
      )}
    </div>
  )
}

type Status = {
  indexedHeight: string
  chainHeight?: string
  rpcUp: boolean
  lastError?: string
  chainId?: string
}

function StatusLine() {
  const [status, setStatus] = useState<Status>()
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>
    const load = () =>
      getJson<Status>('/api/status')
        .then(setStatus, () => {})
        .finally(() => {
          timer = setTimeout(load, 3000)
        })
    void load()
    return () => clearTimeout(timer)
  }, [])
  if (!status) return null
  return (
    <p class={`status ${status.rpcUp ? 'up' : 'down'}`} data-testid="status" aria-live="polite">
      Indexed to height <strong>{status.indexedHeight}</strong>
      {status.chainHeight ? ` of ${status.chainHeight}` : ''}
      {status.chainId ? ` on ${status.chainId}` : ''} ·{' '}
      {status.rpcUp
        ? 'node reachable'
        : `node unreachable${status.lastError ? `: ${status.lastError}` : ''}; showing the last indexed data`}
    </p>
  )
}

function SearchForm() {
  const [term, setTerm] = useState('')
  const [error, setError] = useState<ApiError>()
  const submit = async (event: Event) => {
    event.preventDefault()
    setError(undefined)
    try {
      const found = await getJson<{ kind: string; id: string }>(
        `/api/search?q=${encodeURIComponent(term)}`,
      )
      location.hash = `#/${found.kind}/${encodeURIComponent(found.id)}`
    } catch (e) {
      setError(e instanceof RequestError ? e.body : { code: 'UI_ERROR', message: String(e) })
    }
  }
  return (
    <search>
      <form onSubmit={submit}>
        <label for="search">Search by champion address, service ID or block height</label>
        <div class="row">
          <input
            id="search"
            type="search"
            value={term}
            autocomplete="off"
            spellcheck={false}
            placeholder="pokt1…, llm, 1234"
            onInput={(e) => setTerm((e.currentTarget as HTMLInputElement).value)}
          />
          <button type="submit">Search</button>
        </div>
        {error ? <ErrorBox error={error} /> : null}
      </form>
    </search>
  )
}

function App() {
  const hash = useHash()
  const [, route = '', arg = ''] = /^#\/([a-z]+)\/?(.*)$/.exec(hash) ?? []
  const id = decodeURIComponent(arg)
  let view = <Overview />
  if (route === 'address') view = <ChampionView key={id} address={id} />
  else if (route === 'service') view = <ServiceView key={id} id={id} />
  else if (route === 'block') view = <BlockView key={id} height={id} />
  else if (route === 'claims') view = <ClaimsView />
  return (
    <>
      <header class="top">
        {/* No link before the search box: it is the first thing Tab reaches. */}
        <h1>DecAI champion dashboard</h1>
        <SearchForm />
        <nav>
          <a href="#/">Network</a> · <a href="#/claims">Claims</a>
        </nav>
        <StatusLine />
      </header>
      <main id="main">{view}</main>
    </>
  )
}

render(<App />, document.getElementById('app')!)
