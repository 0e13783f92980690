// @decai/devnet: an embedded POKT Shannon chain in one Node process (the network's "Anvil"),
// speaking CometBFT JSON-RPC with poktroll v0.1.35's module logic.

export {
  type DevnetCliOptions,
  devnetUsage,
  formatDevnetBanner,
  runDevnetCli,
} from './cli/run-cli.js'
export { defaultAccounts, defaultParamOverrides } from './config/defaults.js'
export { loadConfigFile, parseAmount } from './config/load.js'
export { resolveGenesis } from './config/resolve.js'
export type {
  AccountConfig,
  AmountInput,
  ApplicationConfig,
  DevnetConfig,
  GatewayConfig,
  ResolvedAccount,
  ResolvedGenesis,
  ServiceConfig,
  SupplierConfig,
  SupplierServiceInput,
} from './config/types.js'
export { type Devnet, type DevnetAccount, type StartDevnetOptions, startDevnet } from './devnet.js'
export {
  DevnetError,
  type DevnetErrorCode,
  type DevnetErrorParameters,
  devnetErrorCodes,
  isDevnetError,
} from './errors.js'
export { type DerivedKey, deriveKey, TEST_MNEMONIC, testKeyPath } from './keys.js'
export type { Node as DevnetNode } from './node/node.js'
export type { StoredBlock, TxRecord } from './node/types.js'
