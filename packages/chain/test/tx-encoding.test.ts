import { encodeSecp256k1Pubkey } from '@cosmjs/amino'
import {
  DirectSecp256k1Wallet,
  encodePubkey,
  makeAuthInfoBytes,
  makeSignBytes,
  Registry,
} from '@cosmjs/proto-signing'
import { privateKeyFromHex, verifySecp256k1 } from '@decai/crypto'
import { MsgCreateClaimSchema, toCosmjsRegistryEntry } from '@decai/protocol'
import { describe, expect, it } from 'vitest'
import {
  calculateFee,
  createPrivateKeySigner,
  decodeTxRaw,
  encodeAuthInfo,
  encodeMessage,
  encodeSignDoc,
  encodeTxBody,
  encodeTxRaw,
  getTxHash,
  parseGasPrice,
} from '../src/index.js'
import { encodeCreateClaim, encodeStakeSupplier } from '../src/messages.js'
import { decodeSimulateResponse, encodeSimulateRequest } from '../src/tx-encoding.js'

const key = privateKeyFromHex('4c'.repeat(32))

describe('transaction encoding', () => {
  it('writes the same body, auth info and sign bytes as cosmjs', async () => {
    const signer = createPrivateKeySigner(key)
    const [account] = await signer.getAccounts()
    const claim = {
      supplierOperatorAddress: account!.address,
      sessionHeader: {
        applicationAddress: 'pokt1app',
        serviceId: 'llm',
        sessionStartBlockHeight: 1n,
        sessionEndBlockHeight: 4n,
      },
      rootHash: new Uint8Array(48).fill(3),
    }
    const registry = new Registry([toCosmjsRegistryEntry(MsgCreateClaimSchema)])
    const bodyBytes = encodeTxBody({
      messages: [encodeMessage(MsgCreateClaimSchema, claim)],
      memo: 'm',
    })
    expect(bodyBytes).toEqual(
      registry.encodeTxBody({
        messages: [{ typeUrl: '/pocket.proof.MsgCreateClaim', value: claim }],
        memo: 'm',
      }),
    )
    const authInfoBytes = encodeAuthInfo({
      publicKey: account!.pubkey,
      sequence: 9n,
      fee: { amount: [{ denom: 'upokt', amount: 1234n }], gasLimit: 200_000n },
    })
    expect(authInfoBytes).toEqual(
      makeAuthInfoBytes(
        [{ pubkey: encodePubkey(encodeSecp256k1Pubkey(account!.pubkey)), sequence: 9n }],
        [{ denom: 'upokt', amount: '1234' }],
        200_000,
        undefined,
        undefined,
        1, // SIGN_MODE_DIRECT
      ),
    )
    const doc = { bodyBytes, authInfoBytes, chainId: 'pocket', accountNumber: 42n }
    expect(encodeSignDoc(doc)).toEqual(makeSignBytes(doc))
  })

  it('signs exactly as cosmjs DirectSecp256k1Wallet does', async () => {
    const ours = createPrivateKeySigner(key)
    const theirs = await DirectSecp256k1Wallet.fromKey(key, 'pokt')
    const [a] = await ours.getAccounts()
    const [b] = await theirs.getAccounts()
    expect(a).toEqual(b)
    const doc = {
      bodyBytes: encodeTxBody({
        messages: [
          encodeCreateClaim(a!.address, { sessionHeader: {}, rootHash: new Uint8Array(48) }),
        ],
      }),
      authInfoBytes: encodeAuthInfo({
        publicKey: a!.pubkey,
        sequence: 0n,
        fee: { amount: [], gasLimit: 1n },
      }),
      chainId: 'pocket',
      accountNumber: 3n,
    }
    const x = await ours.signDirect(a!.address, doc)
    const y = await theirs.signDirect(a!.address, doc)
    expect(x.signature).toEqual(y.signature)
    const signature = Uint8Array.from(atob(x.signature.signature), (c) => c.charCodeAt(0))
    expect(verifySecp256k1(signature, encodeSignDoc(doc), a!.pubkey)).toBe(true)
    await expect(ours.signDirect('pokt1other', doc)).rejects.toThrow()
  })

  it('round-trips a raw transaction and names it by SHA-256', async () => {
    const bodyBytes = encodeTxBody({ messages: [], memo: 'x' })
    const authInfoBytes = encodeAuthInfo({
      publicKey: new Uint8Array(33).fill(2),
      sequence: 1n,
      fee: { amount: [], gasLimit: 5n },
    })
    const raw = encodeTxRaw({ bodyBytes, authInfoBytes, signatures: [new Uint8Array(64).fill(1)] })
    const tx = decodeTxRaw(raw)
    expect(tx.body.memo).toBe('x')
    expect(tx.authInfo.fee?.gasLimit).toBe(5n)
    expect(tx.signatures[0]).toEqual(new Uint8Array(64).fill(1))
    // SHA-256("") as CometBFT prints hashes.
    expect(await getTxHash(new Uint8Array())).toBe(
      'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855',
    )
    expect(() => decodeTxRaw(new Uint8Array([0xff]))).toThrowError(
      expect.objectContaining({ code: 'DECODE_FAILED' }),
    )
  })

  it('encodes simulation requests and reads gas from responses', () => {
    const tx = new Uint8Array(300).fill(7)
    const request = encodeSimulateRequest(tx)
    expect([...request.subarray(0, 3)]).toEqual([0x12, 0xac, 0x02])
    expect(request.subarray(3)).toEqual(tx)
    // gas_info { gas_wanted: 1, gas_used: 300 }, result { data: "ab" }
    const response = new Uint8Array([
      0x0a, 0x05, 0x08, 0x01, 0x10, 0xac, 0x02, 0x12, 0x04, 0x0a, 0x02, 0xab, 0xcd,
    ])
    expect(decodeSimulateResponse(response)).toEqual({ gasWanted: 1n, gasUsed: 300n })
    expect(() => decodeSimulateResponse(new Uint8Array([0x0a, 0x05, 0x08]))).toThrowError(
      expect.objectContaining({ code: 'DECODE_FAILED' }),
    )
  })

  it('fills a supplier with no revenue share with 100% to its owner, as the CLI does', async () => {
    const msg = encodeStakeSupplier('pokt1operator', {
      stake: 1_000_000n,
      ownerAddress: 'pokt1owner',
      services: [{ serviceId: 'llm', endpoints: [{ url: 'http://x:1', rpcType: 3 }] }],
    })
    const registry = new Registry([
      toCosmjsRegistryEntry((await import('@decai/protocol')).MsgStakeSupplierSchema),
    ])
    const decoded = registry.decode(msg)
    expect(decoded.services[0].revShare).toEqual([
      expect.objectContaining({ address: 'pokt1owner', revSharePercentage: 100n }),
    ])
    expect(decoded.operatorAddress).toBe('pokt1operator')
    expect(decoded.stake).toEqual(expect.objectContaining({ denom: 'upokt', amount: '1000000' }))
  })
})

describe('fees', () => {
  it('parses gas prices and rounds fees up exactly', () => {
    expect(parseGasPrice('0.001upokt')).toEqual({ amount: '0.001', denom: 'upokt' })
    expect(calculateFee(200_001n, parseGasPrice('0.001upokt'))).toEqual({
      amount: [{ denom: 'upokt', amount: 201n }],
      gasLimit: 200_001n,
    })
    expect(calculateFee(3n, parseGasPrice('1upokt')).amount).toEqual([
      { denom: 'upokt', amount: 3n },
    ])
    expect(calculateFee(3n, parseGasPrice('0upokt')).amount).toEqual([])
    expect(() => parseGasPrice('upokt')).toThrowError(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})
