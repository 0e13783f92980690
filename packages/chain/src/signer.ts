import { encodeSecp256k1Signature } from '@cosmjs/amino'
import type { AccountData, DirectSignResponse, OfflineDirectSigner } from '@cosmjs/proto-signing'
import {
  getPublicKey,
  type MnemonicOptions,
  POKT_ADDRESS_PREFIX,
  privateKeyFromMnemonic,
  pubkeyToAddress,
  signSecp256k1,
} from '@decai/crypto'
import { encodeSignDoc } from './tx-encoding.js'

type SignDoc = Parameters<OfflineDirectSigner['signDirect']>[1]

/**
 * A cosmjs `OfflineDirectSigner` over one secp256k1 private key (SIGN_MODE_DIRECT: ECDSA over
 * SHA-256 of the sign doc, low-S, 64 bytes), built on `@decai/crypto`.
 *
 * @example
 * const signer = createPrivateKeySigner(privateKeyFromHex(hex))
 * const client = await createSigningChainClient({ rpcUrl, signer })
 */
export function createPrivateKeySigner(
  privateKey: Uint8Array,
  options: { prefix?: string | undefined } = {},
): OfflineDirectSigner {
  const publicKey = getPublicKey(privateKey)
  const address = pubkeyToAddress(publicKey, options.prefix ?? POKT_ADDRESS_PREFIX)
  const account: AccountData = { address, algo: 'secp256k1', pubkey: publicKey }
  return {
    getAccounts: async () => [account],
    signDirect: async (signerAddress: string, signDoc: SignDoc): Promise<DirectSignResponse> => {
      if (signerAddress !== address) {
        throw new Error(`This signer holds ${address}, not ${signerAddress}.`)
      }
      const signature = signSecp256k1(encodeSignDoc(signDoc), privateKey)
      return { signed: signDoc, signature: encodeSecp256k1Signature(publicKey, signature) }
    },
  }
}

/**
 * A signer for the key a cosmos keyring derives from a BIP39 mnemonic (`pocketd keys add
 * --recover` imports the same account).
 *
 * @example const signer = createMnemonicSigner('abandon abandon … about')
 */
export function createMnemonicSigner(
  mnemonic: string,
  options: MnemonicOptions & { prefix?: string | undefined } = {},
): OfflineDirectSigner {
  const { prefix, ...keyOptions } = options
  return createPrivateKeySigner(privateKeyFromMnemonic(mnemonic, keyOptions), { prefix })
}
