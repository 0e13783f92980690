// biome-ignore-all lint/performance/noBarrelFile: the entry point of the `./relay-mining/sqlite` subpath export
// `@decai/sdk/relay-mining/sqlite`: the public API of `@decai/relay-mining/sqlite`, unchanged.

export {
  DurableSmst,
  type OpenSmstDatabaseOptions,
  openSmstDatabase,
  SmstDatabase,
  type SmstUpdate,
} from '@decai/relay-mining/sqlite'
