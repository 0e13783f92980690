import { type Context, Hono } from 'hono'
import { GatewayError, toErrorResponse } from '../errors.js'
import type { KeyStore } from '../key-store.js'
import { updateKey } from '../update-key.js'
import { requireAdmin } from './auth.js'
import { type GatewayAppDependencies, guarded } from './context.js'

// The token-protected `/admin` API: API keys and their usage, supplier scores, cached sessions.

/** The request body as a JSON object, or `INVALID_JSON`. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  let value: unknown
  try {
    value = await c.req.json()
  } catch {
    throw new GatewayError('INVALID_JSON', 'The request body must be a JSON object.')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new GatewayError('INVALID_JSON', 'The request body must be a JSON object.')
  return value as Record<string, unknown>
}

export async function handleCreateKey(deps: GatewayAppDependencies, c: Context) {
  const body = await readJsonObject(c)
  const { key, record } = await deps.store.create(body as Parameters<KeyStore['create']>[0])
  deps.logger.info('api key created', { key: record.id, name: record.name })
  return c.json({ key, ...record }, 201)
}

export async function handleGetKey(deps: GatewayAppDependencies, c: Context) {
  const id = c.req.param('id') ?? ''
  return c.json({
    ...(await deps.store.get(id)),
    usage: await deps.store.summarize(id),
    lastMinute: await deps.limiter.usage(id),
  })
}

export async function handleGetKeyUsage(deps: GatewayAppDependencies, c: Context) {
  const id = c.req.param('id') ?? ''
  await deps.store.get(id)
  const limit = Math.min(1000, Math.max(1, Number(c.req.query('limit') ?? 100) || 100))
  const since = Number(c.req.query('since') ?? 0) || 0
  return c.json({
    data: await deps.store.getUsage(id, { limit, since }),
    summary: await deps.store.summarize(id, since),
  })
}

export async function handleUpdateKey(deps: GatewayAppDependencies, c: Context) {
  const body = await readJsonObject(c)
  const record = await updateKey(
    deps.store,
    deps.limiter,
    c.req.param('id') ?? '',
    body as Parameters<KeyStore['update']>[1],
  )
  return c.json(record)
}

export async function handleRevokeKey(deps: GatewayAppDependencies, c: Context) {
  const record = await deps.store.revoke(c.req.param('id') ?? '')
  deps.logger.info('api key revoked', { key: record.id })
  return c.json(record)
}

export function handleListSessions(deps: GatewayAppDependencies, c: Context) {
  const { view } = deps
  return c.json({
    height: view.height.toString(),
    data: view.listSessions().map((s) => ({
      application: s.header.applicationAddress,
      serviceId: s.header.serviceId,
      sessionId: s.header.sessionId,
      startHeight: s.startHeight.toString(),
      endHeight: s.endHeight.toString(),
      graceEndHeight: s.graceEndHeight.toString(),
      suppliers: s.suppliers,
    })),
  })
}

/** The `/admin` sub-app: every route needs the admin token. */
export function createAdminApp(deps: GatewayAppDependencies): Hono {
  const admin = new Hono()
  admin.use(async (c, next) => {
    try {
      requireAdmin(deps.config, c)
    } catch (error) {
      return toErrorResponse(error)
    }
    await next()
    return undefined
  })
  admin.post(
    '/keys',
    guarded((c) => handleCreateKey(deps, c)),
  )
  admin.get(
    '/keys',
    guarded(async (c) => c.json({ data: await deps.store.list() })),
  )
  admin.get(
    '/keys/:id',
    guarded((c) => handleGetKey(deps, c)),
  )
  admin.get(
    '/keys/:id/usage',
    guarded((c) => handleGetKeyUsage(deps, c)),
  )
  admin.patch(
    '/keys/:id',
    guarded((c) => handleUpdateKey(deps, c)),
  )
  admin.delete(
    '/keys/:id',
    guarded((c) => handleRevokeKey(deps, c)),
  )
  admin.get(
    '/suppliers',
    guarded((c) => c.json({ data: deps.router.snapshot() })),
  )
  admin.get(
    '/claim-audit',
    guarded((c) =>
      c.json({
        data:
          deps.claims === undefined
            ? { enabled: false }
            : { enabled: true, ...deps.claims.report() },
      }),
    ),
  )
  admin.get(
    '/sessions',
    guarded((c) => handleListSessions(deps, c)),
  )
  return admin
}
