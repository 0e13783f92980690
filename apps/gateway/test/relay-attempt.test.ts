import { SessionError } from '@decai/session'
import { describe, expect, it } from 'vitest'
import { classifyVerificationError } from '../src/relay-attempt.js'

const miner = (details: string) =>
  classifyVerificationError(
    new SessionError('RELAY_RESPONSE_MINER_ERROR', 'The relay miner returned an error.', {
      details,
    }),
  ).reason

describe('classifyVerificationError', () => {
  it('treats relay-miner session errors as session mismatches, not supplier faults', () => {
    expect(miner('relayer_proxy/1: invalid session in relayer request')).toBe('session')
    expect(miner('relay_authenticator/2: supplier does not belong to session')).toBe('session')
    expect(miner('undefined/1: session for height 12 is past its grace period')).toBe('session')
    expect(miner('relayer_proxy/7: offchain rate limit hit by relayer proxy')).toBe('miner_error')
  })

  it('maps signature, truncation and malformed answers', () => {
    const of = (code: ConstructorParameters<typeof SessionError>[0]) =>
      classifyVerificationError(new SessionError(code, 'x')).reason
    expect(of('RELAY_RESPONSE_SIGNATURE_INVALID')).toBe('bad_signature')
    expect(of('RELAY_RESPONSE_SUPPLIER_KEY_MISMATCH')).toBe('bad_signature')
    expect(of('RELAY_STREAM_CHAIN_MISMATCH')).toBe('bad_signature')
    expect(of('RELAY_STREAM_TRUNCATED')).toBe('truncated')
    expect(of('RELAY_RESPONSE_MALFORMED')).toBe('malformed')
    expect(classifyVerificationError(new Error('boom')).reason).toBe('malformed')
  })
})
