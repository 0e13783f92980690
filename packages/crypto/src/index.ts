export {
  decodeAddress,
  encodeAddress,
  getAddress,
  getAddressBytes,
  isAddress,
  POKT_ADDRESS_PREFIX,
  pubkeyToAddress,
} from './address.js'
export {
  type CryptoBackend,
  type CryptoBackendSetting,
  getCryptoBackend,
  setCryptoBackend,
} from './backend.js'
export { bytesToHex, hexToBytes } from './bytes.js'
export {
  signSecp256k1,
  signSupplierPayload,
  verifySecp256k1,
  verifySupplierSignature,
} from './ecdsa.js'
export {
  CryptoError,
  type CryptoErrorCode,
  type CryptoErrorParameters,
  cryptoErrorCodes,
  isCryptoError,
} from './errors.js'
export {
  COSMOS_HD_PATH,
  generateMnemonic,
  generatePrivateKey,
  getPublicKey,
  type MnemonicOptions,
  privateKeyFromHex,
  privateKeyFromMnemonic,
  privateKeyToHex,
} from './keys.js'
export {
  clearRingCache,
  configureRingCache,
  getRingCacheStats,
  precomputeRingKeys,
  type RingCacheOptions,
} from './ring-cache.js'
export {
  getPlaceholderRingKey,
  getRingAddresses,
  PLACEHOLDER_RING_SECRET,
  type PlaceholderRingKey,
  type RingAddressParameters,
  resolveRingPublicKeys,
} from './ring-members.js'
export {
  createRingSigner,
  deserializeRingSignature,
  linkRingSignatures,
  type PreparedRingNonce,
  type RingDecodeOptions,
  type RingSignature,
  type RingSigner,
  type RingSignerOptions,
  type RingSignOptions,
  ringSign,
  ringVerify,
  serializeRingSignature,
  verifyRingMembership,
} from './ring-signature.js'
