import { describe, expect, it } from 'vitest'
import { createQueryError, createTxError, type TxPhase } from '../src/errors.js'
import {
  ChainError,
  getKnownChainError,
  isChainError,
  isChainErrorOf,
  isTransientChainError,
  knownChainErrors,
  resolveKnownChainError,
} from '../src/index.js'
import { loadVectors } from './vectors.js'

type Case = {
  phase: TxPhase
  codespace: string
  code: number
  log: string
  hint?: string
  expect: { codespace: string; code: number; name: string }
}
const vectors = loadVectors<{ cases: Case[] }>('errors')

describe('the registry of chain errors (Go reference)', () => {
  it('looks up every registered error by codespace and code', () => {
    const table = Object.values(knownChainErrors).flatMap((errors) => Object.values(errors))
    expect(table.length).toBeGreaterThan(150)
    for (const k of table) expect(getKnownChainError(k.codespace, k.abciCode)).toBe(k)
  })

  it('finds the registered error behind every way the chain reports it', () => {
    let byLog = 0
    for (const c of vectors.cases) {
      const resolved = resolveKnownChainError({
        codespace: c.codespace,
        abciCode: c.code,
        log: c.log,
        hint: c.hint ? [c.hint] : [],
      })
      expect({ case: c.log, name: resolved?.name, codespace: resolved?.codespace }).toEqual({
        case: c.log,
        name: c.expect.name,
        codespace: c.expect.codespace,
      })
      if (c.codespace !== c.expect.codespace) byLog++
    }
    // Most poktroll errors reach clients only through their log.
    expect(byLog).toBeGreaterThan(vectors.cases.length / 2)
  })
})

describe('ChainError', () => {
  it('maps SDK errors to stable codes in every phase, keeping codespace, code and log', () => {
    const sequence = vectors.cases.filter((c) => c.expect.name === 'ErrWrongSequence')
    expect(sequence.map((c) => c.phase).sort()).toEqual(['check', 'simulate'])
    for (const c of sequence) {
      const error = createTxError({
        phase: c.phase,
        codespace: c.codespace,
        abciCode: c.code,
        log: c.log,
      })
      expect(error.code).toBe('SEQUENCE_MISMATCH')
      expect(error.codespace).toBe(c.codespace)
      expect(error.abciCode).toBe(c.code)
      expect(error.log).toBe(c.log)
      expect(error.phase).toBe(c.phase)
      expect(isChainErrorOf(error, knownChainErrors.sdk.ErrWrongSequence)).toBe(true)
    }
    const unauthorized = createTxError({
      phase: 'check',
      codespace: 'sdk',
      abciCode: 4,
      log: 'x: unauthorized',
    })
    expect(unauthorized.code).toBe('UNAUTHORIZED')
  })

  it('names poktroll errors that the chain reports as undefined/1', () => {
    const c = vectors.cases.find(
      (x) => x.expect.name === 'ErrProofClaimOutsideOfWindow' && x.phase === 'deliver',
    )!
    const error = createTxError({
      phase: 'deliver',
      codespace: c.codespace,
      abciCode: c.code,
      log: c.log,
      txHash: 'AB',
    })
    expect(error.code).toBe('TX_FAILED')
    expect(error.codespace).toBe('undefined')
    expect(error.abciCode).toBe(1)
    expect(error.knownError).toEqual(knownChainErrors.proof.ErrProofClaimOutsideOfWindow)
    expect(isChainErrorOf(error, knownChainErrors.proof.ErrProofClaimOutsideOfWindow)).toBe(true)
    expect(isChainErrorOf(error, knownChainErrors.proof.ErrProofProofOutsideOfWindow)).toBe(false)
    expect(error.shortMessage).toContain('ErrProofClaimOutsideOfWindow (proof/1121)')
    expect(error.message).toContain(c.log)
    expect(isChainError(error)).toBe(true)
    expect(isTransientChainError(error)).toBe(false)
  })

  it('tells not-found queries apart', () => {
    const error = createQueryError({
      path: '/pocket.application.Query/Application',
      codespace: 'sdk',
      abciCode: 22,
      log: 'rpc error: code = NotFound desc = application not found: key not found',
    })
    expect(error.code).toBe('NOT_FOUND')
    expect(error.knownError).toEqual(knownChainErrors.sdk.ErrKeyNotFound)
    expect(createQueryError({ path: '/x', codespace: 'sdk', abciCode: 18, log: 'bad' }).code).toBe(
      'QUERY_FAILED',
    )
  })

  it('is recognised by shape and classifies transient failures', () => {
    // What a second loaded copy of the package throws: same shape, other prototype.
    const copy = Object.assign(new Error('x'), {
      name: 'ChainError',
      code: 'NETWORK_ERROR',
      shortMessage: 'x',
    })
    expect(isChainError(copy)).toBe(true)
    expect(isChainError(Object.assign(new Error('x'), { name: 'ChainError' }))).toBe(false)
    expect(isTransientChainError(new ChainError('MEMPOOL_FULL', 'full'))).toBe(true)
    expect(isTransientChainError(new ChainError('TIMEOUT', 'slow'))).toBe(true)
    expect(isTransientChainError(new ChainError('TX_FAILED', 'no'))).toBe(false)
    expect(isTransientChainError(new Error('x'))).toBe(false)
  })
})
