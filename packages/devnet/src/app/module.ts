// What a module contributes to the app (the SDK's `AppModule`): its MsgServer methods, its
// query service and its block hooks. Each module's `module.ts` describes itself with one; the
// module manager orders them.

import type { DescMessage, MessageShape } from '@decai/protocol'
import type { Context } from './context.js'
import type { QueryRoute } from './query-router.js'

/** A message the devnet executes: its schema, `ValidateBasic` and `MsgServer` method. */
export type MsgRoute = {
  schema: DescMessage
  responseSchema: DescMessage
  validateBasic: (msg: never) => void
  handle: (ctx: Context, msg: never) => MessageShape<DescMessage>
}

export function msgRoute<D extends DescMessage, R extends DescMessage>(
  schema: D,
  responseSchema: R,
  validateBasic: (msg: MessageShape<D>) => void,
  handle: (ctx: Context, msg: MessageShape<D>) => MessageShape<R>,
): MsgRoute {
  return {
    schema,
    responseSchema,
    validateBasic: validateBasic as (msg: never) => void,
    handle: handle as (ctx: Context, msg: never) => MessageShape<DescMessage>,
  }
}

export type AppModule = {
  /** The module's name, as its store and module account are named. */
  readonly name: string
  readonly msgs?: readonly MsgRoute[]
  readonly queries?: readonly QueryRoute[]
  readonly beginBlock?: (ctx: Context) => void
  readonly endBlock?: (ctx: Context) => void
}
