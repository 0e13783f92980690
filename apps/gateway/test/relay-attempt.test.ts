import { knownChainErrors, knownRelayMinerErrors } from '@decai/protocol'
import { SessionError } from '@decai/session'
import { describe, expect, it } from 'vitest'
import { classifyVerificationError } from '../src/relay-attempt.js'

type Known = { codespace: string; abciCode: number; description: string }

/** The reason for a relay miner error as it comes off the wire (codespace, code, texts). */
const miner = (codespace: string, code: number, description: string, message = description) =>
  classifyVerificationError(
    new SessionError('RELAY_RESPONSE_MINER_ERROR', 'The relay miner returned an error.', {
      details: `${codespace}/${code}: ${message}`,
      relayMinerError: { codespace, code, description, message },
    }),
  ).reason
const minerKnown = (known: Known, context = 'context') =>
  miner(known.codespace, known.abciCode, known.description, `${context}: ${known.description}`)

const { relayer_proxy: proxy, relay_authenticator: authenticator, query } = knownRelayMinerErrors

describe('classifyVerificationError', () => {
  it('treats relay-miner session errors as session mismatches, not supplier faults', () => {
    expect(miner('relayer_proxy', 1, 'invalid session in relayer request')).toBe('session')
    expect(miner('relay_authenticator', 2, 'supplier does not belong to session')).toBe('session')
    expect(minerKnown(proxy.ErrRelayerProxyInvalidSession)).toBe('session')
    expect(minerKnown(proxy.ErrRelayerProxyUnknownSession)).toBe('session')
    expect(minerKnown(authenticator.ErrRelayAuthenticatorInvalidSession)).toBe('session')
    expect(minerKnown(authenticator.ErrRelayAuthenticatorInvalidSessionSupplier)).toBe('session')
    expect(minerKnown(query.ErrQueryRetrieveSession)).toBe('session')
  })

  it('classifies on codespace and code, never on the text of a registered error', () => {
    // A rate limit whose message talks about the session is still a rate limit.
    expect(minerKnown(proxy.ErrRelayerProxyRateLimited, 'session 0xab')).toBe('rate_limited')
    expect(miner('relayer_proxy', 7, 'offchain rate limit hit by relayer proxy')).toBe(
      'rate_limited',
    )
    expect(minerKnown(knownChainErrors.service.ErrServiceInvalidRelayRequest)).toBe('bad_request')
    expect(minerKnown(proxy.ErrRelayerProxyUnmarshalingRelayRequest)).toBe('bad_request')
    expect(minerKnown(proxy.ErrRelayerProxyRequestLimitExceeded)).toBe('bad_request')
    expect(minerKnown(proxy.ErrRelayerProxyMaxBodyExceeded)).toBe('bad_request')
    // Registered errors about the supplier itself, even when their text names the session.
    expect(minerKnown(proxy.ErrRelayerProxyInternalError, 'session tree')).toBe('miner_error')
    expect(minerKnown(proxy.ErrRelayerProxyTimeout)).toBe('miner_error')
    expect(minerKnown(proxy.ErrRelayerProxySupplierNotReachable)).toBe('miner_error')
    expect(minerKnown(query.ErrQuerySessionParams)).toBe('miner_error')
    expect(minerKnown(knownRelayMinerErrors.rings.ErrRingClientInvalidRelayRequestSignature)).toBe(
      'miner_error',
    )
  })

  it('reads the text of unregistered errors only for a stale session', () => {
    // poktroll's relay miner sends unregistered errors as codespace "undefined".
    const grace = 'session for height 12 is past its grace period'
    expect(miner('undefined', 0, 'Unregistered error', grace)).toBe('session')
    expect(miner('undefined', 1, grace)).toBe('session')
    expect(miner('other_relay_miner', 9, 'invalid block height')).toBe('session')
    expect(miner('undefined', 0, 'Unregistered error', 'backend exploded')).toBe('miner_error')
  })

  it('treats a miner error without its fields as a supplier failure', () => {
    const bare = new SessionError('RELAY_RESPONSE_MINER_ERROR', 'x', {
      details: 'relayer_proxy/1: invalid session in relayer request',
    })
    expect(classifyVerificationError(bare).reason).toBe('miner_error')
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
