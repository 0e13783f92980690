import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
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
  const inference = createInferenceListener(deps)
  const listeners = server.server.listeners('request') as RequestListener[]
  server.server.removeAllListeners('request')
  server.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (inference(req, res)) return
    for (const listener of listeners) listener.call(server.server, req, res)
  })
  return server
}
