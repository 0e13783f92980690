// Offline verification without a network: a report signed over no probes, and bad input.
import { bytesToHex, getPublicKey, pubkeyToAddress, signSecp256k1 } from '@decai/crypto'
import { describe, expect, it } from 'vitest'
import {
  getReportSignableBytes,
  REPORT_FORMAT,
  verifyReport,
  type WatcherReport,
} from '../src/index.js'

const privateKey = new Uint8Array(32).fill(7)
const publicKey = getPublicKey(privateKey)

function signed(overrides: Partial<WatcherReport> = {}): WatcherReport {
  const unsigned: WatcherReport = {
    format: REPORT_FORMAT,
    watcher: { address: pubkeyToAddress(publicKey), publicKey: bytesToHex(publicKey) },
    createdAt: '2026-01-01T00:00:00.000Z',
    verdictParameters: {
      honestAgreement: 0.9,
      substituteAgreement: 0.5,
      alpha: 0.05,
      prefixAgreement: 0.5,
    },
    entries: [],
    ...overrides,
  }
  return {
    ...unsigned,
    signature: bytesToHex(signSecp256k1(getReportSignableBytes(unsigned), privateKey)),
  }
}

const codeOf = (value: unknown, options = {}) => {
  try {
    verifyReport(value, options)
  } catch (error) {
    return (error as { code?: string }).code
  }
  return 'verified'
}

describe('verifyReport', () => {
  it('verifies a signed report, as JSON text or a value, whatever its key order', () => {
    const report = signed()
    expect(codeOf(report)).toBe('verified')
    const reordered = Object.fromEntries(Object.entries(report).reverse())
    expect(codeOf(JSON.stringify(reordered))).toBe('verified')
  })

  it('checks the expected watcher', () => {
    expect(codeOf(signed(), { watcher: 'pokt1someoneelse' })).toBe('REPORT_SIGNATURE_INVALID')
  })

  it('names each kind of bad input', () => {
    const { signature: _, ...unsigned } = signed()
    expect(codeOf(unsigned)).toBe('REPORT_UNSIGNED')
    expect(codeOf('not json')).toBe('REPORT_MALFORMED')
    expect(codeOf(42)).toBe('REPORT_MALFORMED')
    expect(codeOf({ ...signed(), entries: 'none' })).toBe('REPORT_MALFORMED')
    expect(codeOf({ ...signed(), createdAt: '2030-01-01T00:00:00.000Z' })).toBe(
      'REPORT_SIGNATURE_INVALID',
    )
    expect(codeOf({ ...signed(), signature: '00'.repeat(64) })).toBe('REPORT_SIGNATURE_INVALID')
  })
})
