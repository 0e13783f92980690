import { serveAhead } from '@decai/app-kit/node-http'
import { type RunningServer, startServer } from '@decai/app-kit/server'
import { createGatewayApp } from './app.js'
import type { GatewayAppDependencies } from './routes/context.js'
import { createInferenceListener } from './routes/inference-http.js'

/**
 * Serves the gateway's HTTP surface: the inference routes on Node's server directly
 * (routes/inference-http.ts), everything else through the hono app. Behaviour is the same on
 * both; the direct path only costs less per request.
 */
export async function startGatewayServer(
  deps: GatewayAppDependencies,
  listen: { port: number; host: string },
): Promise<RunningServer> {
  const app = createGatewayApp(deps)
  const server = await startServer({ fetch: app.fetch, ...listen })
  // The app kit's server calls the hono adapter for every request; the inference routes are
  // taken before it. Until this runs they reach the hono app's own routes, which answer alike.
  serveAhead(server.server, createInferenceListener(deps))
  return server
}
