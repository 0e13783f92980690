import type { Context } from 'hono'
import type { GatewayConfig } from '../config.js'
import { GatewayError } from '../errors.js'
import type { ApiKeyRecord, KeyStore } from '../key-store.js'

/** The token of `Authorization: Bearer <token>`, if any. */
export function readBearer(c: Context): string | undefined {
  return readBearerToken(c.req.header('authorization'))
}

/** The token of an `Authorization: Bearer <token>` header value, if any. */
export function readBearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined
  const match = /^Bearer\s+(.+)$/i.exec(header.trim())
  return match?.[1]?.trim()
}

/**
 * The API key of the request, or null for an anonymous request when `auth.required` is false.
 * Throws `MISSING_API_KEY` or `INVALID_API_KEY`.
 */
export function authenticate(
  config: Pick<GatewayConfig, 'auth'>,
  store: Pick<KeyStore, 'authenticate'>,
  c: Context,
): Promise<ApiKeyRecord | null> {
  return authenticateBearer(config, store, c.req.header('authorization'))
}

/** `authenticate` on the `Authorization` header's value. */
export async function authenticateBearer(
  config: Pick<GatewayConfig, 'auth'>,
  store: Pick<KeyStore, 'authenticate'>,
  authorization: string | undefined,
): Promise<ApiKeyRecord | null> {
  const token = readBearerToken(authorization)
  if (token === undefined) {
    if (!config.auth.required) return null
    throw new GatewayError(
      'MISSING_API_KEY',
      "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.",
    )
  }
  const record = await store.authenticate(token)
  if (!record) {
    if (!config.auth.required && token === '') return null
    throw new GatewayError('INVALID_API_KEY', 'Incorrect API key provided.')
  }
  return record
}

/** Throws unless the request carries the admin token (the admin API is hidden without one). */
export function requireAdmin(config: Pick<GatewayConfig, 'auth'>, c: Context): void {
  const token = config.auth.adminToken
  if (token === undefined) throw new GatewayError('NOT_FOUND', 'Unknown route.')
  if (readBearer(c) !== token)
    throw new GatewayError('INVALID_ADMIN_TOKEN', 'The admin token is missing or wrong.')
}
