import { getAddressBytes, verifySecp256k1 } from '@decai/crypto'
import { create, type DescMessage, type MessageShape, unmarshal } from '@decai/protocol'
import { TxMsgDataSchema } from '@decai/protocol/gen/cosmos/base/abci/v1beta1/abci_pb'
import { PubKeySchema } from '@decai/protocol/gen/cosmos/crypto/secp256k1/keys_pb'
import { SignMode } from '@decai/protocol/gen/cosmos/tx/signing/v1beta1/signing_pb'
import {
  type AuthInfo,
  AuthInfoSchema,
  SignDocSchema,
  type TxBody,
  TxBodySchema,
  TxRawSchema,
} from '@decai/protocol/gen/cosmos/tx/v1beta1/tx_pb'
import { authParams, getAccount, pubKeyToAny, setAccount } from '../modules/auth/keeper.js'
import { sendCoinsFromAccountToModule } from '../modules/bank/keeper.js'
import { GasMeter } from '../store/gas.js'
import { BranchStoreSet, GasStoreSet } from '../store/multi-store.js'
import { AbciError, sdkFrame, toAbciError } from './abci-error.js'
import { sdkErrors } from './chain-errors.js'
import {
  type Amount,
  addressBytes,
  bytesEqual,
  coinsString,
  decode,
  encode,
  getMsgSigners,
  parseCoin,
  toAny,
} from './codec.js'
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

const MAX_GAS_WANTED = (1n << 63n) - 1n
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

function decodePubKey(any: TxBody['messages'][number] | undefined): Uint8Array | undefined {
  if (!any) return undefined
  if (any.typeUrl !== `/${PubKeySchema.typeName}`) {
    throw sdkErrors.invalidPubKey.wrap(`unrecognized public key type: ${any.typeUrl}`)
  }
  return decode(PubKeySchema, any.value).key
}

/**
 * SIGN_MODE_DIRECT verification of signer `index`: secp256k1 over the SignDoc of the raw body and
 * auth info bytes, the chain ID and the signer's account number.
 */
export function verifyDirectSignature(
  tx: Pick<DecodedTx, 'bodyBytes' | 'authInfoBytes' | 'signatures'>,
  index: number,
  chainId: string,
  accountNumber: bigint,
  publicKey: Uint8Array,
): boolean {
  const signBytes = encode(
    SignDocSchema,
    create(SignDocSchema, {
      bodyBytes: tx.bodyBytes,
      authInfoBytes: tx.authInfoBytes,
      chainId,
      accountNumber,
    }),
  )
  return verifySecp256k1(tx.signatures[index] ?? new Uint8Array(), signBytes, publicKey)
}

/**
 * The SDK's default ante handler chain, in order: tx validation, timeout, memo, tx-size gas,
 * fee deduction, public keys, signature count and gas, signature verification, sequences.
 */
function runAnte(ctx: Context, tx: DecodedTx, txBytes: Uint8Array, simulate: boolean): void {
  const fee = tx.authInfo.fee
  if (!fee) throw new AbciError('undefined', 1, 'missing fee')
  if (fee.gasLimit > MAX_GAS_WANTED) {
    throw sdkErrors.invalidRequest.wrap(`invalid gas supplied; ${fee.gasLimit} > ${MAX_GAS_WANTED}`)
  }
  // Zero fee coins are valid (cosmjs sends "0upokt" at a zero gas price); only non-zero ones
  // are deducted.
  const parsedFee = fee.amount.map(parseCoin)
  if (parsedFee.some((c) => c === undefined)) {
    throw sdkErrors.insufficientFee.wrap(`invalid fee provided: ${coinsString(fee.amount)}`)
  }
  const feeCoins = (parsedFee as Amount[]).filter((c) => c.amount > 0n)
  if (fee.payer !== '') addressBytes(fee.payer)
  if (tx.signatures.length === 0) throw sdkErrors.noSignatures.error()
  if (tx.signatures.length !== tx.signers.length) {
    throw sdkErrors.unauthorized.wrap(
      `wrong number of signers; expected ${tx.signers.length}, got ${tx.signatures.length}`,
    )
  }
  if (tx.body.timeoutHeight > 0n && ctx.height > tx.body.timeoutHeight) {
    throw sdkErrors.txTimeoutHeight.wrap(
      `block height: ${ctx.height}, timeout height: ${tx.body.timeoutHeight}`,
    )
  }
  if (tx.body.unordered) throw sdkErrors.notSupported.wrap('unordered transactions are not enabled')
  const memoLength = [...tx.body.memo].length
  if (BigInt(memoLength) > authParams.maxMemoCharacters) {
    throw sdkErrors.memoTooLarge
      .wrap(
        `maximum number of characters is ${authParams.maxMemoCharacters} but received ${memoLength} characters`,
      )
      .at(sdkFrame('x/auth/ante/basic.go:68'))
  }

  // ConsumeGasForTxSize; a simulated tx also pays for the signatures it lacks.
  ctx.gas.consume(authParams.txSizeCostPerByte * BigInt(txBytes.length), 'txSize')
  if (simulate) {
    for (let i = 0; i < tx.signers.length; i++) {
      if ((tx.signatures[i]?.length ?? 0) === 0)
        ctx.gas.consume(authParams.txSizeCostPerByte * 110n, 'txSize')
    }
  }

  // DeductFee.
  if (!simulate && fee.gasLimit === 0n)
    throw sdkErrors.invalidGasLimit
      .wrap('must provide positive gas')
      .at(sdkFrame('x/auth/ante/fee.go:49'))
  const payer = fee.payer !== '' ? fee.payer : tx.signers[0]!
  const payerAccount = getAccount(ctx, payer)
  if (!payerAccount)
    throw sdkErrors.unknownAddress.wrap(`fee payer address: ${payer} does not exist`)
  if (feeCoins.length > 0) {
    try {
      sendCoinsFromAccountToModule(ctx, addressBytes(payer), 'fee_collector', feeCoins)
    } catch (error) {
      throw sdkErrors.insufficientFunds
        .wrap(toAbciError(error).log)
        .at(sdkFrame('x/auth/ante/fee.go:137'))
    }
  }
  ctx.events.emit(
    newEvent('tx', [
      ['fee', coinsString(feeCoins)],
      ['fee_payer', payer],
    ]),
  )

  // SetPubKey.
  const infos = tx.authInfo.signerInfos
  const events: AbciEvent[] = []
  tx.signers.forEach((signer, i) => {
    const info = infos[i]
    const key = decodePubKey(info?.publicKey)
    if (key === undefined && !simulate) return
    if (key !== undefined && !simulate && !bytesEqual(getAddressBytes(key), addressBytes(signer))) {
      throw sdkErrors.invalidPubKey.wrap(
        `pubKey does not match signer address ${signer} with signer index: ${i}`,
      )
    }
    const account = getAccount(ctx, signer)
    if (!account) throw sdkErrors.unknownAddress.wrap(`account ${signer} does not exist`)
    if (account.base.pubKey || key === undefined) return
    account.base.pubKey = pubKeyToAny(key)
    setAccount(ctx, account)
  })
  tx.signers.forEach((signer, i) => {
    events.push(newEvent('tx', [['acc_seq', `${signer}/${infos[i]?.sequence ?? 0n}`]]))
    events.push(
      newEvent('tx', [['signature', Buffer.from(tx.signatures[i] ?? []).toString('base64')]]),
    )
  })
  for (const e of events) ctx.events.emit(e)

  // ValidateSigCount and SigGasConsume.
  if (BigInt(tx.signers.length) > authParams.txSigLimit) {
    throw sdkErrors.tooManySignatures
      .wrap(`signatures: ${tx.signers.length}, limit: ${authParams.txSigLimit}`)
      .at(sdkFrame('x/auth/ante/sigverify.go:559'))
  }
  for (let i = 0; i < tx.signers.length; i++)
    ctx.gas.consume(authParams.sigVerifyCostSecp256k1, 'ante verify: secp256k1')

  // SigVerification.
  tx.signers.forEach((signer, i) => {
    const info = infos[i]
    const account = getAccount(ctx, signer)
    if (!account) {
      throw sdkErrors.unknownAddress
        .wrap(`account ${signer} does not exist`)
        .at(sdkFrame('x/auth/ante/sigverify.go:637'))
    }
    const key = account.base.pubKey
      ? decode(PubKeySchema, account.base.pubKey.value).key
      : undefined
    if (!simulate && key === undefined) {
      throw sdkErrors.invalidPubKey
        .wrap('pubkey on account is not set')
        .at(sdkFrame('x/auth/ante/sigverify.go:358'))
    }
    const sequence = info?.sequence ?? 0n
    if (sequence !== account.base.sequence) {
      throw sdkErrors.wrongSequence
        .wrap(`account sequence mismatch, expected ${account.base.sequence}, got ${sequence}`)
        .at(sdkFrame('x/auth/ante/sigverify.go:364'))
    }
    if (simulate) return
    const accountNumber = account.base.accountNumber
    const mode = info?.modeInfo?.sum.case === 'single' ? info.modeInfo.sum.value.mode : undefined
    const ok =
      mode === SignMode.DIRECT &&
      verifyDirectSignature(tx, i, ctx.chain.chainId, accountNumber, key!)
    if (!ok) {
      const reason =
        mode === SignMode.DIRECT
          ? 'unable to verify single signer signature'
          : `unsupported sign mode ${mode}`
      throw sdkErrors.unauthorized.wrap(
        `signature verification failed; please verify account number (${accountNumber}) and chain-id (${ctx.chain.chainId}): (${reason})`,
      )
    }
  })

  // IncrementSequence.
  for (const signer of tx.signers) {
    const account = getAccount(ctx, signer)!
    account.base.sequence += 1n
    setAccount(ctx, account)
  }
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
