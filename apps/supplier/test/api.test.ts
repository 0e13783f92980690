// The exported API other apps and the local network build on: changes here are deliberate.
import { expect, it } from 'vitest'
import * as api from '../src/index.js'

it('exports the documented API', () => {
  expect(Object.keys(api).sort()).toEqual([
    'QUANTA_CONTENT_TYPE',
    'SupplierError',
    'createRelayMinerError',
    'getConfigIssues',
    'getOperatorKey',
    'getRelayMinerErrorKind',
    'isSupplierError',
    'loadSupplierConfig',
    'parseSupplierConfig',
    'relayMinerErrors',
    'startSupplier',
    'summarizeUsage',
    'supplierErrorCodes',
  ])
})
