// Descriptor facts the devnet reads from poktroll's protos: gogoproto field options and the
// cosmos.msg.v1.signer message option.

import { type DescField, type DescMessage, getOption, hasOption } from '@decai/protocol'
import { signer } from '@decai/protocol/gen/cosmos/msg/v1/msg_pb'
import { customtype, nullable } from '@decai/protocol/gen/gogoproto/gogo_pb'

/** `(gogoproto.nullable) = false`. */
export function isNonNullable(field: DescField): boolean {
  return hasOption(field, nullable) && getOption(field, nullable) === false
}

/** Whether the field has a `(gogoproto.customtype)` (cosmos math.Int and friends). */
export function hasCustomType(field: DescField): boolean {
  return hasOption(field, customtype) && getOption(field, customtype) !== ''
}

/** The field names of a message's `cosmos.msg.v1.signer` option. */
export function signerFieldNames(schema: DescMessage): string[] {
  return hasOption(schema, signer) ? getOption(schema, signer) : []
}
