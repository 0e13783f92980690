// The SDK's `cosmos.tx.v1beta1.Service`, served by the app itself: `Simulate` runs a
// transaction on a throwaway branch of the app's check state. Its failures are gRPC statuses,
// as the SDK's service returns them; `abci_query` maps them to ABCI errors as for any query.

import { create, marshal } from '@decai/protocol'
import { GasInfoSchema, ResultSchema } from '@decai/protocol/gen/cosmos/base/abci/v1beta1/abci_pb'
import { EventAttributeSchema, EventSchema } from '@decai/protocol/gen/tendermint/abci/types_pb'
import { grpcError } from './abci-error.js'
import type { QueryRoute } from './query-router.js'
import type { TxResult } from './tx.js'
import { readFields } from './wire.js'

/** `Simulate`, bound to one app's simulation (so each app answers for its own state). */
export function simulateQueryRoute(simulate: (txBytes: Uint8Array) => TxResult): QueryRoute {
  return {
    path: '/cosmos.tx.v1beta1.Service/Simulate',
    handle: (_ctx, data) => simulateQuery(simulate, data),
  }
}

function simulateQuery(simulate: (txBytes: Uint8Array) => TxResult, data: Uint8Array): Uint8Array {
  let txBytes: Uint8Array | undefined
  for (const f of readFields(data)) if (f.no === 2) txBytes = f.value
  if (!txBytes) throw grpcError('InvalidArgument', 'empty txBytes is not allowed')
  const result = simulate(txBytes)
  if (result.code !== 0) {
    // The simulation service reports failures as a gRPC Unknown status, formatting the error
    // with `%v`, which appends where it was first wrapped.
    const frame = result.frame ? ` [${result.frame}]` : ''
    throw grpcError('Unknown', `${result.log}${frame} with gas used: '${result.gasUsed}'`)
  }
  const gasInfo = marshal(
    GasInfoSchema,
    create(GasInfoSchema, { gasWanted: result.gasWanted, gasUsed: result.gasUsed }),
  )
  const res = marshal(
    ResultSchema,
    create(ResultSchema, {
      data: result.data,
      events: result.events.map((e) =>
        create(EventSchema, {
          type: e.type,
          attributes: e.attributes.map((a) => create(EventAttributeSchema, a)),
        }),
      ),
    }),
  )
  return concatFields([
    [1, gasInfo],
    [2, res],
  ])
}

function concatFields(fields: [number, Uint8Array][]): Uint8Array {
  const parts: number[] = []
  for (const [no, bytes] of fields) {
    parts.push((no << 3) | 2)
    let len = bytes.length
    while (len >= 0x80) {
      parts.push((len & 0x7f) | 0x80)
      len >>>= 7
    }
    parts.push(len)
    parts.push(...bytes)
  }
  return Uint8Array.from(parts)
}
