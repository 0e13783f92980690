// The SDK's default ante handler chain: gas limit, memo and tx size, fee deduction, public keys,
// SIGN_MODE_DIRECT signatures and sequences.

import { equalBytes } from '@decai/core'
import { getAddressBytes, verifySecp256k1 } from '@decai/crypto'
import { create } from '@decai/protocol'
import { PubKeySchema } from '@decai/protocol/gen/cosmos/crypto/secp256k1/keys_pb'
import { SignMode } from '@decai/protocol/gen/cosmos/tx/signing/v1beta1/signing_pb'
import { SignDocSchema, type TxBody } from '@decai/protocol/gen/cosmos/tx/v1beta1/tx_pb'
import { authParams, getAccount, pubKeyToAny, setAccount } from '../modules/auth/keeper.js'
import { sendCoinsFromAccountToModule } from '../modules/bank/keeper.js'
import { AbciError, sdkFrame, toAbciError } from './abci-error.js'
import { sdkErrors } from './chain-errors.js'
import { type Amount, addressBytes, coinsString, decode, encode, parseCoin } from './codec.js'
import type { Context } from './context.js'
import { type AbciEvent, newEvent } from './events.js'
import type { DecodedTx } from './tx.js'

const MAX_GAS_WANTED = (1n << 63n) - 1n

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
export function runAnte(ctx: Context, tx: DecodedTx, txBytes: Uint8Array, simulate: boolean): void {
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
    if (key !== undefined && !simulate && !equalBytes(getAddressBytes(key), addressBytes(signer))) {
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
