// The exported API other apps and the local network build on: changes here are deliberate.
import { expect, it } from 'vitest'
import * as api from '../src/index.js'

it('exports the documented API', () => {
  expect(Object.keys(api).sort()).toEqual([
    'RELAY_STREAM_CONTENT_TYPE',
    'RELAY_STREAM_HEADER',
    'SupplierError',
    'createLogger',
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
