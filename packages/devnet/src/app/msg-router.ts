// Which messages a transaction may carry, and which module's MsgServer runs each.

import type { DescMessage } from '@decai/protocol'
import { MsgSendSchema } from '@decai/protocol/gen/cosmos/bank/v1beta1/tx_pb'
import { PubKeySchema } from '@decai/protocol/gen/cosmos/crypto/secp256k1/keys_pb'
import * as applicationTx from '@decai/protocol/gen/pocket/application/tx_pb'
import * as gatewayTx from '@decai/protocol/gen/pocket/gateway/tx_pb'
import * as migrationTx from '@decai/protocol/gen/pocket/migration/tx_pb'
import * as proofTx from '@decai/protocol/gen/pocket/proof/tx_pb'
import * as serviceTx from '@decai/protocol/gen/pocket/service/tx_pb'
import * as sessionTx from '@decai/protocol/gen/pocket/session/tx_pb'
import * as sharedTx from '@decai/protocol/gen/pocket/shared/tx_pb'
import * as supplierTx from '@decai/protocol/gen/pocket/supplier/tx_pb'
import * as tokenomicsTx from '@decai/protocol/gen/pocket/tokenomics/tx_pb'
import type { MsgRoute } from './module.js'
import { moduleMsgRoutes } from './module-manager.js'

// Built once from the modules' fixed route lists; never written after.
const byTypeName: ReadonlyMap<string, MsgRoute> = new Map(
  moduleMsgRoutes().map((r) => [r.schema.typeName, r]),
)

/** The route for a type URL, if the devnet executes that message. */
export function getRoute(typeUrl: string): MsgRoute | undefined {
  return byTypeName.get(typeUrl.slice(typeUrl.lastIndexOf('/') + 1))
}

// Every other message poktroll registers decodes, but has no handler here (governance-only
// updates, application transfer, gateway metadata, Morse migration).
const knownSchemas: ReadonlyMap<string, DescMessage> = new Map([
  ...[
    applicationTx,
    gatewayTx,
    migrationTx,
    proofTx,
    serviceTx,
    sessionTx,
    sharedTx,
    supplierTx,
    tokenomicsTx,
  ].flatMap((mod) =>
    Object.values(mod)
      .map((value) => value as DescMessage)
      .filter(
        (desc) =>
          desc &&
          typeof desc === 'object' &&
          'typeName' in desc &&
          desc.kind === 'message' &&
          /\.Msg[A-Z]/.test(desc.typeName) &&
          !desc.typeName.endsWith('Response'),
      )
      .map((desc): [string, DescMessage] => [desc.typeName, desc]),
  ),
  [MsgSendSchema.typeName, MsgSendSchema],
])

/** Schemas a transaction's `Any`s may hold (messages and public keys). */
export function resolveTypeUrl(typeUrl: string): DescMessage | undefined {
  const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1)
  if (name === PubKeySchema.typeName) return PubKeySchema
  return knownSchemas.get(name)
}

/** `sdk.GetModuleNameFromTypeURL`: the second dot-separated part. */
export function moduleNameFromTypeUrl(typeUrl: string): string {
  return typeUrl.split('.')[1] ?? ''
}
