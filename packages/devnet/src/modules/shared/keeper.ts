// x/shared keeper: the shared params in force, in the shape @decai/session computes with.

import { type SharedParams as SessionSharedParams, toSharedParams } from '@decai/session'
import type { Context } from '../../app/context.js'
import { getParams } from '../params.js'

export const getSharedParams = (ctx: Context) => getParams(ctx, 'shared')

/** Shared params in force at `ctx`'s height, in `@decai/session`'s shape. */
export function sessionParams(ctx: Context): SessionSharedParams {
  return toSharedParams(getSharedParams(ctx))
}
