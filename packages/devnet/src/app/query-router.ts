// The app's query router: one table per App, keyed by the full gRPC method path
// (`/pocket.proof.Query/Claim`), assembled from each module's query service. Handlers take and
// return protobuf bytes and fail with gRPC statuses, so any transport can serve them;
// `abci_query` maps those statuses to the SDK's ABCI errors (`run`).

import { type DescMessage, type MessageShape, marshal, unmarshal } from '@decai/protocol'
import { AbciError, errorText, type GrpcCode, grpcError } from './abci-error.js'
import { sdkErrors } from './chain-errors.js'
import type { Context } from './context.js'

/** A query method: request bytes in, response bytes out, against `ctx`'s state. */
export type QueryHandler = (ctx: Context, request: Uint8Array) => Uint8Array

/**
 * A request that does not decode. Over `abci_query` the SDK reports it as InvalidArgument; over
 * gRPC the transport's codec fails first, which grpc-go reports as Internal.
 */
export class RequestDecodeError extends AbciError {
  constructor(readonly reason: string) {
    const e = grpcError('InvalidArgument', reason)
    super(e.codespace, e.code, e.log, e.grpc)
  }
}

/** A query method and the gRPC path it answers at. */
export type QueryRoute = { readonly path: string; readonly handle: QueryHandler }

/**
 * A typed query method: decodes the request (a malformed one is InvalidArgument, as gRPC's
 * codec reports it) and encodes the response canonically, as the chain returns it.
 */
export function queryRoute<Req extends DescMessage, Res extends DescMessage>(
  path: string,
  requestSchema: Req,
  responseSchema: Res,
  handle: (ctx: Context, request: MessageShape<Req>) => MessageShape<Res>,
): QueryRoute {
  return {
    path,
    handle: (ctx, bytes) => {
      let request: MessageShape<Req>
      try {
        request = unmarshal(requestSchema, bytes)
      } catch (error) {
        throw new RequestDecodeError(errorText(error))
      }
      return marshal(responseSchema, handle(ctx, request))
    },
  }
}

/** `gRPCErrorToSDKError`: how a query's gRPC status becomes an ABCI error. */
export function queryError(error: unknown): AbciError {
  if (error instanceof AbciError && error.grpc) {
    const map: Partial<Record<GrpcCode, typeof sdkErrors.keyNotFound>> = {
      NotFound: sdkErrors.keyNotFound,
      InvalidArgument: sdkErrors.invalidRequest,
      FailedPrecondition: sdkErrors.invalidRequest,
      Unauthenticated: sdkErrors.unauthorized,
    }
    return (map[error.grpc.code] ?? sdkErrors.unknownRequest).wrap(error.log)
  }
  if (error instanceof AbciError) return error
  return sdkErrors.invalidRequest.wrap(errorText(error))
}

/** One app's query table. Built per App: nothing here is shared between two devnets. */
export class QueryRouter {
  readonly #handlers = new Map<string, QueryHandler>()

  constructor(routes: Iterable<QueryRoute>) {
    for (const { path, handle } of routes) {
      if (this.#handlers.has(path)) throw new Error(`query ${path} is registered twice`)
      this.#handlers.set(path, handle)
    }
  }

  /** Every gRPC method path served, in registration order. */
  paths(): string[] {
    return [...this.#handlers.keys()]
  }

  /** The raw handler of `path`: its errors are gRPC statuses, for a transport to map. */
  handler(path: string): QueryHandler | undefined {
    return this.#handlers.get(path)
  }

  /** Runs the query at `path` as `abci_query` does; unknown paths fail as the SDK's router. */
  run(ctx: Context, path: string, data: Uint8Array): Uint8Array {
    const handler = this.#handlers.get(path)
    if (!handler) throw sdkErrors.unknownRequest.wrap('unknown query path')
    try {
      return handler(ctx, data)
    } catch (error) {
      throw queryError(error)
    }
  }
}
