import { knownChainErrors, knownRelayMinerErrors } from '@decai/protocol'
import type { RelayMinerErrorFields } from '@decai/session'

// A relay miner that cannot serve a relay answers with the registered error behind the failure
// (`relay_miner_error`: codespace and code, see @decai/protocol's registry). What that means for
// routing is decided here, on the codespace and code alone: one reading for every relayer (the
// gateway's router, the watcher's availability figures).

/** What a relay miner's refusal means for the relayer. */
export type RelayMinerErrorReason = 'session' | 'rate_limited' | 'bad_request' | 'miner_error'

type Registered = { readonly codespace: string; readonly abciCode: number }

const keyOf = (codespace: string, code: number) => `${codespace}/${code}`
const entry = (known: Registered, reason: RelayMinerErrorReason) =>
  [keyOf(known.codespace, known.abciCode), reason] as const

const { relayer_proxy: proxy, relay_authenticator: authenticator, query } = knownRelayMinerErrors
const { service } = knownChainErrors

/** Registered errors that mean something other than "this supplier failed" (`miner_error`). */
const reasons: ReadonlyMap<string, RelayMinerErrorReason> = new Map([
  // Our session is a block early or late for this relay miner: not its fault, re-send with the
  // neighbouring session.
  entry(proxy.ErrRelayerProxyInvalidSession, 'session'),
  entry(proxy.ErrRelayerProxyUnknownSession, 'session'),
  entry(authenticator.ErrRelayAuthenticatorInvalidSession, 'session'),
  entry(authenticator.ErrRelayAuthenticatorInvalidSessionSupplier, 'session'),
  entry(query.ErrQueryRetrieveSession, 'session'),
  // It refuses more relays for this application and session (its stake is spent) for now.
  entry(proxy.ErrRelayerProxyRateLimited, 'rate_limited'),
  // The request itself was refused: another supplier would refuse it too.
  entry(service.ErrServiceInvalidRelayRequest, 'bad_request'),
  entry(proxy.ErrRelayerProxyUnmarshalingRelayRequest, 'bad_request'),
  entry(proxy.ErrRelayerProxyMaxBodyExceeded, 'bad_request'),
  entry(proxy.ErrRelayerProxyRequestLimitExceeded, 'bad_request'),
])

const registered: ReadonlySet<string> = new Set(
  [...Object.values(knownChainErrors), ...Object.values(knownRelayMinerErrors)].flatMap((errors) =>
    Object.values(errors).map((e: Registered) => keyOf(e.codespace, e.abciCode)),
  ),
)

// Relay miners also answer with errors no registry knows (poktroll's own unregistered ones come
// as codespace "undefined", and other implementations have their own codespaces); for those the
// text is all there is, so only its one clear signal is read: a session that is not (or no
// longer) valid at this height.
const UNREGISTERED_SESSION_TEXT = /session|grace period|block height/i

/** The router reason for a relay miner's error. */
export function classifyRelayMinerError(
  error: RelayMinerErrorFields | undefined,
): RelayMinerErrorReason {
  if (error === undefined) return 'miner_error'
  const key = keyOf(error.codespace, error.code)
  const reason = reasons.get(key)
  if (reason) return reason
  if (registered.has(key)) return 'miner_error'
  return UNREGISTERED_SESSION_TEXT.test(`${error.description} ${error.message}`)
    ? 'session'
    : 'miner_error'
}
