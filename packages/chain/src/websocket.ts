import { Comet38Client, WebsocketClient } from '@cosmjs/tendermint-rpc'

/**
 * What cosmjs's `WebsocketClient` wants: the node's base URL (`ws://host:26657`). It appends
 * `/websocket` itself, so handing it the full endpoint asks for `/websocket/websocket`, which
 * CometBFT answers with 404.
 */
export function getWebsocketBaseUrl(rpcUrl: string): string {
  const url = new URL(rpcUrl)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  url.pathname = url.pathname.replace(/\/+$/, '')
  url.search = ''
  url.hash = ''
  return url.toString().replace(/\/+$/, '')
}

/** A `NewBlock` subscription over one websocket. */
export type NewBlockSubscription = {
  /** Resolves once the socket is open (never rejects: a socket that cannot connect never opens). */
  readonly connected: Promise<void>
  /** Closes the socket for good. */
  close(): void
}

/**
 * Subscribes to `NewBlock` and reports each height. cosmjs reconnects on its own but never
 * re-subscribes and never reports a failed connection, so the caller watches `connected` and the
 * heights, and closes the subscription when it stops making progress.
 */
export function subscribeNewBlocks(
  rpcUrl: string,
  handlers: {
    onHeight: (height: bigint) => void
    /** A subscription error or the socket closing under the subscription. */
    onFailure: (reason: string, cause?: unknown) => void
  },
): NewBlockSubscription {
  const client = new WebsocketClient(getWebsocketBaseUrl(rpcUrl), (error: unknown) =>
    handlers.onFailure(describe(error), error),
  )
  const stream = Comet38Client.create(client).subscribeNewBlock()
  let closed = false
  const listener = {
    next: (event: { header: { height: number } }) => {
      if (!closed) handlers.onHeight(BigInt(event.header.height))
    },
    error: (error: unknown) => {
      if (!closed) handlers.onFailure(`the subscription failed: ${describe(error)}`, error)
    },
    complete: () => {
      if (!closed) handlers.onFailure('the node closed the subscription')
    },
  }
  stream.addListener(listener)
  return {
    connected: client.connected(),
    close: () => {
      if (closed) return
      closed = true
      stream.removeListener(listener)
      closeForGood(client)
    },
  }
}

// cosmjs 0.39's ReconnectingSocket schedules a reconnect whenever its status turns to
// Disconnected, its own disconnect() included, and a connection attempt that is cut short leaves
// the raw socket connecting. Either would keep a socket (and the process) alive after the watch
// ends, so besides disconnecting, cancel the pending reconnect, disable later ones and close the
// raw socket. The fields are private; every step is optional so a different cosmjs only loses
// the clean-up, never the disconnect.
type CosmjsInternals = {
  socket?: {
    reconnectTimeout?: ReturnType<typeof setTimeout> | null
    socket?: {
      reconnect?: () => void
      socket?: { socket?: { socket?: { close?: () => void; terminate?: () => void } } }
    }
  }
}

function closeForGood(client: WebsocketClient): void {
  const reconnecting = (client as unknown as CosmjsInternals).socket
  const queueing = reconnecting?.socket
  const raw = queueing?.socket?.socket?.socket
  if (queueing) queueing.reconnect = () => {}
  try {
    client.disconnect()
  } catch {
    // Never connected: nothing to disconnect.
  }
  if (reconnecting?.reconnectTimeout) {
    clearTimeout(reconnecting.reconnectTimeout)
    reconnecting.reconnectTimeout = null
  }
  try {
    if (raw?.terminate) raw.terminate()
    else raw?.close?.()
  } catch {
    // Already closed.
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'string') return error
  if (error && typeof error === 'object' && 'message' in error) return String(error.message)
  return String(error)
}
