import type { Logger } from '@decai/app-kit/logger'
import type { KeyStoreConfig } from './config.js'
import type { KeyStore } from './key-store.js'
import { PostgresKeyStore } from './postgres-key-store.js'
import { SqliteKeyStore } from './sqlite-key-store.js'

/** Opens the key store the config names (`store.kind`), ready for use. */
export async function openKeyStore(
  config: KeyStoreConfig,
  options: { logger?: Logger | undefined } = {},
): Promise<KeyStore> {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteKeyStore(config.path)
    case 'postgres':
      return PostgresKeyStore.open(config, options)
  }
}
