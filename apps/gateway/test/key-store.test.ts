import { SqliteKeyStore } from '../src/sqlite-key-store.js'
import { describeKeyStore } from './key-store-behaviour.js'

describeKeyStore('sqlite', async () => new SqliteKeyStore(':memory:'))
