import { knownRelayMinerErrors } from '@decai/protocol'
import { describe, expect, it } from 'vitest'
import { classifyRelayMinerError } from '../src/relay-miner-errors.js'

const fields = (codespace: string, code: number, message = '') => ({
  codespace,
  code,
  description: '',
  message,
})

describe('classifyRelayMinerError', () => {
  it('reads registered errors by codespace and code', () => {
    const { relay_authenticator: auth, relayer_proxy: proxy } = knownRelayMinerErrors
    const of = (e: { codespace: string; abciCode: number }) =>
      classifyRelayMinerError(fields(e.codespace, e.abciCode))
    expect(of(auth.ErrRelayAuthenticatorInvalidSession)).toBe('session')
    expect(of(proxy.ErrRelayerProxyRateLimited)).toBe('rate_limited')
    expect(of(proxy.ErrRelayerProxyMaxBodyExceeded)).toBe('bad_request')
  })

  it('reads only the session signal of unregistered errors', () => {
    expect(classifyRelayMinerError(fields('undefined', 1, 'the session is over'))).toBe('session')
    expect(classifyRelayMinerError(fields('undefined', 1, 'disk full'))).toBe('miner_error')
    expect(classifyRelayMinerError(undefined)).toBe('miner_error')
  })
})
