export {
  isSmstError,
  SmstError,
  type SmstErrorCode,
  type SmstErrorParameters,
  smstErrorCodes,
} from './errors.js'
export { decodeClosestProof, encodeClosestProof } from './gob.js'
export { MemoryNodeStore, type NodeStore, type NodeStoreBatch } from './node-store.js'
export {
  type ClosestProof,
  type CompactClosestProof,
  type CompactProof,
  compactClosestProof,
  decompactClosestProof,
  type SparseMerkleProof,
  type VerifyClosestProofOptions,
  verifyClosestProof,
} from './proof.js'
export {
  createRational,
  type GetClaimedUpoktParameters,
  getBaseRelayDifficultyTarget,
  getClaimedUpokt,
  getProofPath,
  getRelayDifficultyMultiplier,
  getRelayDifficultyProbability,
  getRelayHash,
  isRelayMinable,
  type MinedRelay,
  type MineRelayParameters,
  mineRelay,
  type Rational,
  type VerifyMinedRelayProofParameters,
  verifyMinedRelayProof,
} from './relay-mining.js'
export { getRootCount, getRootSum } from './root.js'
export { Smst, type SmstEntry, type SmstOptions } from './trie.js'
