// A raw gRPC client for the tests: protobuf bytes in and out (identity serializers), the
// response header and the status, as a Go client sees them.

import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js'

export type GrpcAnswer = {
  /** The response bytes, or undefined on a failure. */
  response: Uint8Array | undefined
  /** `x-cosmos-block-height` of the response header, if any. */
  height: string | undefined
  /** The status code (0 on success) and its message. */
  code: number
  details: string
}

const identity = (value: Buffer) => value
const toBuffer = (value: Uint8Array) => Buffer.from(value)

export type RawGrpcClient = {
  call(path: string, request?: Uint8Array, headers?: Record<string, string>): Promise<GrpcAnswer>
  close(): void
}

/**
 * A client on its own channel. `ownConnection` gives it its own HTTP/2 connection (grpc-js
 * shares subchannels between clients of the same target by default).
 */
export function createRawGrpcClient(address: string, ownConnection = false): RawGrpcClient {
  const client = new Client(
    address,
    credentials.createInsecure(),
    ownConnection ? { 'grpc.use_local_subchannel_pool': 1 } : {},
  )
  return {
    call(path, request = new Uint8Array(), headers = {}) {
      return new Promise((resolve) => {
        const metadata = new Metadata()
        for (const [key, value] of Object.entries(headers)) metadata.set(key, value)
        let height: string | undefined
        const call = client.makeUnaryRequest<Uint8Array, Buffer>(
          path,
          toBuffer,
          identity,
          request,
          metadata,
          {},
          (error: ServiceError | null, value?: Buffer) => {
            resolve({
              response: error || !value ? undefined : new Uint8Array(value),
              height,
              code: error?.code ?? 0,
              details: error?.details ?? '',
            })
          },
        )
        call.on('metadata', (header: Metadata) => {
          const value = header.get('x-cosmos-block-height')[0]
          if (value !== undefined) height = String(value)
        })
      })
    },
    close() {
      client.close()
    },
  }
}
