// @decai/cli: the `decai` command line, and its pieces for scripts (the local network uses the
// keyring and the stake config readers).

export { type CliIo, commands, helpText, runCli } from './cli.js'
export type { Command, CommandInput } from './command.js'
export {
  type Context,
  createContext,
  findNetworkFile,
  type NetworkInfo,
  readNetworkInfo,
} from './context.js'
export { CliError, type CliErrorCode, cliErrorCodes, isCliError } from './errors.js'
export { type Keyring, keyFromMnemonic, openKeyring, type StoredKey } from './keyring.js'
export { createOutput, formatPokt, type Output } from './output.js'
export {
  type ApplicationStakeConfig,
  type GatewayStakeConfig,
  parseApplicationStakeConfig,
  parseGatewayStakeConfig,
  parseSupplierStakeConfig,
  parseUpokt,
  type SupplierStakeConfig,
} from './stake-config.js'
