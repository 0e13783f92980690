// biome-ignore-all lint/performance/noBarrelFile: the entry point of the `./actions` subpath export
// `@decai/chain/actions`: the read-only client's methods as standalone functions, viem-style.
// Each takes the client first (`getSession(client, { applicationAddress, serviceId })`), where
// any object with cosmjs's CometBFT 0.38 client as `comet` will do, so a bundle carries only the
// actions it calls. `createChainClient` binds the same functions as methods. Transactions stay
// on the signing client: they share its local sequence state.
export { queryAbci } from './abci-query.js'
export {
  getBlock,
  getBlockHash,
  getBlockResults,
  getChainId,
  getCommittedHeight,
  getLatestHeight,
  getTx,
  waitForHeight,
  watchBlocks,
} from './blocks.js'
export {
  getAccount,
  getApplication,
  getApplications,
  getBalance,
  getBalances,
  getClaim,
  getClaims,
  getComputeUnitsPerRelay,
  getGateway,
  getGateways,
  getParams,
  getProof,
  getProofs,
  getRelayMiningDifficulty,
  getService,
  getServices,
  getSession,
  getSupplier,
  getSuppliers,
} from './queries.js'
export { waitForTransaction } from './send-transaction.js'
export { getClaimSettlements } from './settlements.js'
