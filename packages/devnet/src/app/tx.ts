import { create, type DescMessage, type MessageShape, unmarshal } from '@decai/protocol'
import { TxMsgDataSchema } from '@decai/protocol/gen/cosmos/base/abci/v1beta1/abci_pb'
import { PubKeySchema } from '@decai/protocol/gen/cosmos/crypto/secp256k1/keys_pb'
import {
  type AuthInfo,
  AuthInfoSchema,
  type TxBody,
  TxBodySchema,
  TxRawSchema,
} from '@decai/protocol/gen/cosmos/tx/v1beta1/tx_pb'
import { GasMeter } from '../store/gas.js'
import { BranchStoreSet, GasStoreSet } from '../store/multi-store.js'
import { sdkFrame, toAbciError } from './abci-error.js'
import { runAnte } from './ante.js'
import { sdkErrors } from './chain-errors.js'
import { encode, getMsgSigners, toAny } from './codec.js'
import { Context } from './context.js'
import { type AbciEvent, EventManager, newEvent } from './events.js'
import type { MsgRoute } from './module.js'
import { getRoute, moduleNameFromTypeUrl, resolveTypeUrl } from './msg-router.js'
import { checkAdr027TxRaw, rejectUnknownFields, WireError } from './wire.js'

/** The outcome of a transaction, as ABCI `ExecTxResult`/`ResponseCheckTx` carry it. */
export type TxResult = {
  code: number
  codespace: string
  log: string
  /** Where the failure was first wrapped (`AbciError.frame`), for the simulation's log. */
  frame?: string | undefined
  data: Uint8Array
  gasWanted: bigint
  gasUsed: bigint
  events: AbciEvent[]
}

type DecodedMsg = {
  typeUrl: string
  route: MsgRoute
  message: MessageShape<DescMessage>
  signers: string[]
}

/** A decoded transaction with the raw bytes its signatures cover. */
export type DecodedTx = {
  body: TxBody
  authInfo: AuthInfo
  bodyBytes: Uint8Array
  authInfoBytes: Uint8Array
  signatures: Uint8Array[]
  msgs: DecodedMsg[]
  /** Unique signers in message order (`GetSigners`). */
  signers: string[]
}

const MAX_UINT64 = (1n << 64n) - 1n

/** `DefaultTxDecoder`: ADR-027 TxRaw, unknown fields rejected, messages unpacked. */
export function decodeTx(txBytes: Uint8Array): DecodedTx {
  const fail = (reason: string) => sdkErrors.txDecode.wrap(reason)
  let raw: MessageShape<typeof TxRawSchema>
  try {
    checkAdr027TxRaw(txBytes)
    rejectUnknownFields(txBytes, TxRawSchema, false, resolveTypeUrl)
    raw = unmarshal(TxRawSchema, txBytes)
  } catch (error) {
    throw fail(error instanceof WireError ? error.message : 'tx bytes are not a TxRaw')
  }
  let body: TxBody
  let authInfo: AuthInfo
  try {
    rejectUnknownFields(raw.bodyBytes, TxBodySchema, true, resolveTypeUrl)
    body = unmarshal(TxBodySchema, raw.bodyBytes)
    rejectUnknownFields(raw.authInfoBytes, AuthInfoSchema, false, resolveTypeUrl)
    authInfo = unmarshal(AuthInfoSchema, raw.authInfoBytes)
  } catch (error) {
    throw fail(error instanceof WireError ? error.message : 'malformed tx body or auth info')
  }
  const msgs: DecodedMsg[] = []
  const signers: string[] = []
  for (const any of body.messages) {
    const schema = resolveTypeUrl(any.typeUrl)
    if (!schema || schema.typeName === PubKeySchema.typeName)
      throw fail(`unable to resolve type URL ${any.typeUrl}`)
    const route = getRoute(any.typeUrl)
    let message: MessageShape<DescMessage>
    try {
      message = unmarshal(schema, any.value)
    } catch {
      throw fail(`cannot decode ${any.typeUrl}`)
    }
    const msgSigners = getMsgSigners(schema, message as unknown as Record<string, unknown>)
    for (const s of msgSigners) if (!signers.includes(s)) signers.push(s)
    if (!route) {
      throw sdkErrors.unknownRequest.wrap(`no message handler found for ${any.typeUrl}`)
    }
    msgs.push({ typeUrl: any.typeUrl, route, message, signers: msgSigners })
  }
  return {
    body,
    authInfo,
    bodyBytes: raw.bodyBytes,
    authInfoBytes: raw.authInfoBytes,
    signatures: raw.signatures,
    msgs,
    signers,
  }
}

/** Checks every message's `ValidateBasic` (the SDK's `validateBasicTxMsgs`). */
function validateBasicMsgs(tx: DecodedTx): void {
  if (tx.msgs.length === 0) {
    throw sdkErrors.invalidRequest
      .wrap('must contain at least one message')
      .at(sdkFrame('baseapp/baseapp.go:631'))
  }
  for (const msg of tx.msgs) msg.route.validateBasic(msg.message as never)
}

function failed(
  error: unknown,
  gasWanted: bigint,
  gasUsed: bigint,
  events: AbciEvent[] = [],
): TxResult {
  const e = toAbciError(error)
  return {
    code: e.code,
    codespace: e.codespace,
    log: e.log,
    frame: e.frame,
    data: new Uint8Array(),
    gasWanted,
    gasUsed,
    events,
  }
}

export type RunTxMode = 'check' | 'simulate' | 'deliver'

/**
 * `BaseApp.runTx`: decodes, runs the ante handler in a branch (kept on success even when the
 * messages fail, so fees and sequences stick), then every message in a second branch that is
 * written only if all succeed. Check mode runs the ante handler only, as the SDK's CheckTx does.
 */
export function runTx(base: Context, txBytes: Uint8Array, mode: RunTxMode): TxResult {
  let tx: DecodedTx
  try {
    tx = decodeTx(txBytes)
    validateBasicMsgs(tx)
  } catch (error) {
    return failed(error, 0n, 0n)
  }
  const simulate = mode === 'simulate'
  const gasLimit = tx.authInfo.fee?.gasLimit ?? 0n
  const meter = new GasMeter(simulate ? undefined : gasLimit)
  const gasWanted = simulate ? MAX_UINT64 : gasLimit

  const anteStores = new BranchStoreSet(base.stores)
  const anteCtx = new Context(
    new GasStoreSet(anteStores, meter),
    base.block,
    base.chain,
    base.mode,
    meter,
    new EventManager(),
  )
  try {
    runAnte(anteCtx, tx, txBytes, simulate)
  } catch (error) {
    return failed(error, gasWanted, meter.consumed)
  }
  anteStores.write()
  const anteEvents = anteCtx.events.events
  if (mode === 'check') {
    return {
      code: 0,
      codespace: '',
      log: '',
      data: new Uint8Array(),
      gasWanted,
      gasUsed: meter.consumed,
      events: anteEvents,
    }
  }

  const msgStores = new BranchStoreSet(base.stores)
  const events: AbciEvent[] = []
  const responses: ReturnType<typeof toAny>[] = []
  try {
    tx.msgs.forEach((msg, index) => {
      const msgEvents = new EventManager()
      const ctx = new Context(
        new GasStoreSet(msgStores, meter),
        base.block,
        base.chain,
        base.mode,
        meter,
        msgEvents,
      )
      msg.route.validateBasic(msg.message as never)
      let response: MessageShape<DescMessage>
      try {
        response = msg.route.handle(ctx, msg.message as never)
      } catch (error) {
        // BaseApp.runMsgs wraps here; an error with a stack of its own keeps that frame.
        throw toAbciError(error)
          .at(sdkFrame('baseapp/baseapp.go:1052'))
          .wrap(`failed to execute message; message index: ${index}`)
      }
      responses.push(toAny(msg.route.responseSchema, response))
      const attributes: [string, string][] = [['action', msg.typeUrl]]
      if (msg.signers[0]) attributes.push(['sender', msg.signers[0]])
      const hasModule = msgEvents.events.some((e) => e.attributes.some((a) => a.key === 'module'))
      const module = moduleNameFromTypeUrl(msg.typeUrl)
      if (!hasModule && module) attributes.push(['module', module])
      for (const event of [newEvent('message', attributes), ...msgEvents.events]) {
        events.push({
          ...event,
          attributes: [
            ...event.attributes,
            { key: 'msg_index', value: String(index), index: true },
          ],
        })
      }
    })
  } catch (error) {
    return failed(error, gasWanted, meter.consumed, anteEvents)
  }
  msgStores.write()
  const data = encode(TxMsgDataSchema, create(TxMsgDataSchema, { msgResponses: responses }))
  return {
    code: 0,
    codespace: '',
    log: '',
    data,
    gasWanted,
    gasUsed: meter.consumed,
    events: [...anteEvents, ...events],
  }
}
