import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { AppKitError } from './errors.js'

// One way to run an app's hono `fetch` on Node: bind, report the port actually bound (port 0
// picks a free one), and stop by closing the listener first, then idle connections, then, after
// an optional grace period, whatever is still in flight (long streams would otherwise hold the
// process open).

export type StartServerParameters = {
  fetch: (request: Request) => Response | Promise<Response>
  /** `0` picks a free port. */
  port: number
  /** Interface to bind, e.g. `127.0.0.1` or `::1`. */
  host: string
}

export type StopServerParameters = {
  /** How long requests in flight may run on after the listener closes; default 0 (cut now). */
  graceMs?: number
}

/** A listening server. */
export type RunningServer = {
  readonly port: number
  readonly host: string
  /** Origin, e.g. `http://127.0.0.1:43117` (IPv6 hosts in brackets). */
  readonly url: string
  readonly server: Server
  /** Stops listening and closes every connection; resolves once all are closed. Idempotent. */
  stop(parameters?: StopServerParameters): Promise<void>
}

/** `host:port` (IPv6 in brackets or not) split, as listen addresses are written in config. */
export function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':')
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) }
}

/** Starts `fetch` on `host:port` and resolves once it listens. Rejects with `LISTEN_FAILED`. */
export function startServer({ fetch, port, host }: StartServerParameters): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname: host }, (info: AddressInfo) => {
      server.off('error', onError)
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`
      let stopped: Promise<void> | undefined
      resolve({
        port: info.port,
        host,
        url,
        server: server as Server,
        stop: (parameters = {}) => {
          stopped ??= stopServer(server as Server, parameters.graceMs ?? 0)
          return stopped
        },
      })
    })
    const onError = (cause: unknown) =>
      reject(
        new AppKitError('LISTEN_FAILED', `Cannot listen on ${host}:${port}.`, {
          cause,
        }),
      )
    server.once('error', onError)
  })
}

function stopServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs)
    server.close(() => {
      clearTimeout(timer)
      resolve()
    })
    server.closeIdleConnections()
  })
}
