import { expect, it } from 'vitest'
import * as api from '../src/index.js'

it('exports exactly the documented runtime names', () => {
  expect(Object.keys(api).sort()).toEqual([
    'DevnetError',
    'TEST_MNEMONIC',
    'defaultAccounts',
    'defaultParamOverrides',
    'deriveKey',
    'devnetErrorCodes',
    'devnetUsage',
    'formatDevnetBanner',
    'isDevnetError',
    'loadConfigFile',
    'parseAmount',
    'resolveGenesis',
    'runDevnetCli',
    'startDevnet',
    'testKeyPath',
  ])
})
