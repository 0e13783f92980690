// biome-ignore-all lint/performance/noBarrelFile: the entry point of the `./sqlite` subpath export
export {
  DurableSmst,
  type OpenSmstDatabaseOptions,
  openSmstDatabase,
  SmstDatabase,
  type SmstUpdate,
} from './smst-database.js'
