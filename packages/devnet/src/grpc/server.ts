// The devnet's gRPC endpoint, as a Cosmos node serves it (port 9090 by default): every query
// route of the app (the same handlers `abci_query` runs, keyed by the same full method path),
// plus the node services (`node-services.ts`). Messages stay protobuf bytes end to end: the
// service definitions use identity serializers, so the handlers' own codecs decode and encode.
//
// What a Cosmos node's gRPC interceptor does is reproduced here: the request decodes first
// (grpc-go reports a malformed one as Internal), then `x-cosmos-block-height` is read and
// checked, the answer carries the height in the same header, and errors keep the status the
// SDK gives them (a handler's status as is; a registered error as Unknown with its codespace).

import { describeError } from '@decai/core'
import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js'
import { AbciError, type GrpcCode } from '../app/abci-error.js'
import { sdkErrors } from '../app/chain-errors.js'
import type { Context } from '../app/context.js'
import { RequestDecodeError } from '../app/query-router.js'
import { readFields, WireError } from '../app/wire.js'
import { DevnetError } from '../errors.js'
import { type NodeServiceContext, nodeMethods } from './node-services.js'

/** The header a Cosmos node reads the query height from and answers it in. */
export const BLOCK_HEIGHT_HEADER = 'x-cosmos-block-height'

export type GrpcServer = {
  /** `host:port`, as Go clients take it (`query_node_grpc_url` adds a scheme). */
  address: string
  port: number
  /** Every method path served. */
  methods: string[]
  close(): Promise<void>
}

const grpcCodes: Record<GrpcCode, status> = {
  InvalidArgument: status.INVALID_ARGUMENT,
  NotFound: status.NOT_FOUND,
  AlreadyExists: status.ALREADY_EXISTS,
  PermissionDenied: status.PERMISSION_DENIED,
  FailedPrecondition: status.FAILED_PRECONDITION,
  Internal: status.INTERNAL,
  Unauthenticated: status.UNAUTHENTICATED,
  Unimplemented: status.UNIMPLEMENTED,
  Unknown: status.UNKNOWN,
}

type Status = { code: status; details: string }

/** gogoproto's texts for the decode failures a reader can meet. */
function goDecodeText(reason: string): string {
  if (/EOF|premature|out of range|unexpected end/i.test(reason)) return 'unexpected EOF'
  return reason
}

/** The status a Cosmos node answers a failure with. */
export function grpcStatusOf(error: unknown): Status {
  if (error instanceof RequestDecodeError || error instanceof WireError) {
    const reason = error instanceof RequestDecodeError ? error.reason : error.message
    return {
      code: status.INTERNAL,
      details: `grpc: error unmarshalling request: ${goDecodeText(reason)}`,
    }
  }
  if (error instanceof AbciError) {
    if (error.grpc) return { code: grpcCodes[error.grpc.code], details: error.grpc.desc }
    // `errorsmod`'s GRPCStatus(): Unknown, unless registered with a code (none the devnet
    // raises here is).
    return {
      code: status.UNKNOWN,
      details:
        error.statusMessage ?? `codespace ${error.codespace} code ${error.code}: ${error.log}`,
    }
  }
  // A devnet bug: answered as Internal, never a crash.
  return { code: status.INTERNAL, details: describeError(error) }
}

/** The SDK's reading of `x-cosmos-block-height`: one value, a base-10 int64, not negative. */
export function requestedHeight(metadata: Metadata): bigint {
  const values = metadata.get(BLOCK_HEIGHT_HEADER)
  if (values.length !== 1) return 0n
  const text = String(values[0])
  const invalid = (why: string) =>
    sdkErrors.invalidRequest.wrap(
      `Baseapp.RegisterGRPCServer: invalid height header "${BLOCK_HEIGHT_HEADER}": strconv.ParseInt: parsing ${JSON.stringify(text)}: ${why}`,
    )
  if (!/^[+-]?\d+$/.test(text)) throw invalid('invalid syntax')
  const height = BigInt(text)
  if (height !== BigInt.asIntN(64, height)) throw invalid('value out of range')
  if (height < 0n)
    throw sdkErrors.invalidRequest.wrap(
      'cannot query with height < 0; please provide a valid height',
    )
  return height
}

type Handler = (request: Uint8Array, ctx: Context) => Uint8Array
type QueryContext = (height: bigint) => { ctx: Context; height: bigint }

const identity = (value: Buffer) => value
const toBuffer = (value: Uint8Array) => Buffer.from(value.buffer, value.byteOffset, value.length)

function unary(handler: Handler, queryContext: QueryContext) {
  return (call: ServerUnaryCall<Buffer, Uint8Array>, callback: sendUnaryData<Uint8Array>) => {
    let headerSent = false
    try {
      const request = new Uint8Array(call.request)
      // The codec runs before the interceptor: a request that is not protobuf fails first.
      readFields(request)
      // The SDK's `CreateQueryContext`: a height above the head fails, 0 is the head.
      const { ctx, height } = queryContext(requestedHeight(call.metadata))
      const header = new Metadata()
      header.set(BLOCK_HEIGHT_HEADER, height.toString())
      const sendHeader = () => {
        if (!headerSent) call.sendMetadata(header)
        headerSent = true
      }
      let response: Uint8Array
      try {
        response = handler(request, ctx)
      } catch (error) {
        // A handler's failure comes after the interceptor set the header; a request that only
        // the typed codec refuses does not.
        if (!(error instanceof RequestDecodeError)) sendHeader()
        throw error
      }
      sendHeader()
      callback(null, response)
    } catch (error) {
      const { code, details } = grpcStatusOf(error)
      callback({ code, details })
    }
  }
}

export type GrpcServerContext = NodeServiceContext

/**
 * Starts the gRPC server on `host:port` (0 picks a free port). Query routes run against the
 * committed state at the requested height, exactly as `abci_query` runs them.
 */
export async function startGrpcServer(
  ctx: GrpcServerContext,
  host: string,
  port: number,
): Promise<GrpcServer> {
  const app = ctx.node.app
  const methods = new Map<string, Handler>()
  for (const path of app.queries.paths()) {
    const handle = app.queries.handler(path)!
    methods.set(path, (request, queryCtx) => handle(queryCtx, request))
  }
  for (const [path, method] of nodeMethods(ctx)) {
    if (methods.has(path)) throw new Error(`gRPC method ${path} is served twice`)
    methods.set(path, (request) => method(request))
  }
  const queryContext: QueryContext = (height) => app.queryContext(height)

  const definition: Record<string, unknown> = {}
  const implementation: UntypedServiceImplementation = {}
  for (const [path, handler] of methods) {
    definition[path] = {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: toBuffer,
      requestDeserialize: identity,
      responseSerialize: toBuffer,
      responseDeserialize: identity,
    }
    implementation[path] = unary(handler, queryContext)
  }
  // Cosmos nodes accept requests up to grpc-go's default size and answer up to math.MaxInt32.
  const server = new Server({ 'grpc.max_send_message_length': 2 ** 31 - 1 })
  server.addService(definition as never, implementation)
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, p) =>
      error ? reject(error) : resolve(p),
    )
  }).catch((error: unknown) => {
    server.forceShutdown()
    throw new DevnetError('RPC_FAILED', `The gRPC server could not listen on ${host}:${port}.`, {
      details: describeError(error),
      cause: error,
    })
  })
  let closed: Promise<void> | undefined
  return {
    address: `${host}:${bound}`,
    port: bound,
    methods: [...methods.keys()],
    close() {
      closed ??= new Promise<void>((resolve) => {
        // Calls in flight finish; a client that keeps its channel open is cut after a second.
        const timer = setTimeout(() => server.forceShutdown(), 1000)
        server.tryShutdown(() => {
          clearTimeout(timer)
          resolve()
        })
      })
      return closed
    },
  }
}
