import { mineRelay } from '@decai/relay-mining'
import {
  checkRelayRewardEligibility,
  countQuanta,
  getRelayRequestHash,
  signRelayQuanta,
} from '@decai/session'
import type { ChainView } from './chain-view.js'
import type { TokenUsage } from './metering.js'
import type { RelayInFlight } from './relay-forward.js'
import type { RelayServerContext } from './relay-server.js'

// Mining and recording an answered relay: the relay goes into the session's durable trie if it
// can earn and beats the difficulty, and every served relay is counted (metrics, the session's
// metering) whether mined or not.

/** Answered by the backend but dropped from the trie on purpose. */
export type NotMinedReason =
  | 'difficulty'
  | 'not_reward_eligible'
  | 'session_sealed'
  | 'backend_5xx'
  | 'backend_error_event'

export type MineOutcome = NotMinedReason | 'mined'

export type MineContext = Pick<RelayServerContext, 'store' | 'operatorAddress' | 'isSealed'> & {
  chain: Pick<ChainView, 'height'>
}

/** What mining needs of a relay. */
export type MinableRelay = Pick<
  RelayInFlight,
  'request' | 'header' | 'eligible' | 'endParams' | 'miningParams'
>

/**
 * Mines a completed relay: hash, difficulty at the session start, insert into the session's
 * durable trie. Returns why it was not mined, or `mined` once it is on disk.
 */
export async function mine(
  ctx: MineContext,
  relay: MinableRelay,
  relayBytes: Uint8Array,
): Promise<MineOutcome> {
  const params = await relay.miningParams
  // Checked again at the end, as poktroll does: a long answer may finish after the claim
  // window opened, and such a relay can no longer be claimed.
  if (
    !relay.eligible ||
    checkRelayRewardEligibility(relay.request, ctx.chain.height, relay.endParams) !== undefined
  )
    return 'not_reward_eligible'
  // Checked after the await: the claim may have sealed the trie meanwhile.
  if (ctx.isSealed(relay.header.sessionId)) return 'session_sealed'
  const mined = mineRelay({
    relay: relayBytes,
    target: params.targetHash,
    computeUnitsPerRelay: params.computeUnitsPerRelay,
  })
  if (!mined) return 'difficulty'
  ctx.store.insertRelay(
    ctx.operatorAddress,
    relay.header.sessionId,
    mined.key,
    mined.value,
    mined.weight,
  )
  return 'mined'
}

/** What an answered relay offers for mining. */
export type MinableAnswer = {
  /** The answer's relay (request and signed response) as bytes: per-request metering. */
  relay: () => Uint8Array
  /** The signed answer's payload hash, which every quantum record names (token metering). */
  answerHash: () => Uint8Array
  /** The backend's token counts, when it reported them. */
  usage: TokenUsage | undefined
}

/**
 * Mines an answered relay unless the answer is a backend failure (a 5xx, or an error event in
 * its stream): those are served but never claimed. A service with token metering mines one
 * relay per quantum instead (docs/tokenomics.md); without usage from the backend it falls
 * back to the one relay of per-request metering.
 */
export async function mineAnswer(
  relay: RelayInFlight,
  sawErrorEvent: boolean,
  answer: MinableAnswer,
): Promise<MineOutcome> {
  if (relay.backend.status >= 500) return 'backend_5xx'
  if (sawErrorEvent) return 'backend_error_event'
  const metering = relay.service.config.tokenMetering
  if (metering === undefined) return mine(relay.ctx, relay, answer.relay())
  // The rate limit reserved the request's worst case: keep what the answer is worth.
  if (answer.usage === undefined) {
    relay.settle(1)
    return mine(relay.ctx, relay, answer.relay())
  }
  const answerHash = answer.answerHash()
  const count = Math.min(countQuanta(answer.usage, metering), metering.maxQuanta)
  relay.settle(count)
  const quanta = signRelayQuanta({
    request: relay.request,
    answerHash,
    count,
    privateKey: relay.ctx.privateKey,
  })
  relay.ctx.quanta?.record(getRelayRequestHash(relay.request), {
    sessionHeader: relay.header,
    answerHash,
    count,
  })
  // Each quantum is its own lottery ticket against the difficulty target.
  let outcome: MineOutcome | undefined
  for (const quantum of quanta) {
    const mined = await mine(relay.ctx, relay, quantum.relay)
    if (outcome === undefined || mined === 'mined') outcome = mined
  }
  return outcome ?? 'difficulty'
}

export type RecordedRelay = Pick<
  RelayInFlight,
  'serviceId' | 'header' | 'started' | 'backendStarted' | 'release'
>

/** Counts a served relay: metrics, and the session's metering on disk. */
export function record(
  ctx: Pick<RelayServerContext, 'metrics' | 'store' | 'operatorAddress'>,
  relay: RecordedRelay,
  outcome: MineOutcome,
  usage: TokenUsage | undefined,
  mode: 'buffered' | 'streamed',
  backendEnded: number,
): void {
  const { serviceId } = relay
  const labels = { service: serviceId }
  const now = performance.now()
  ctx.metrics.relaysServed.inc({ service: serviceId, mode })
  if (outcome === 'mined') ctx.metrics.relaysMined.inc(labels)
  else {
    ctx.metrics.relaysNotMined.inc({ service: serviceId, reason: outcome })
    relay.release()
  }
  const backendSeconds = (backendEnded - relay.backendStarted) / 1000
  ctx.metrics.backendLatency.observe(labels, backendSeconds)
  ctx.metrics.relayDuration.observe(labels, (now - relay.started) / 1000)
  ctx.metrics.addedLatency.observe(
    labels,
    Math.max(0, (now - relay.started) / 1000 - backendSeconds),
  )
  if (usage) {
    ctx.metrics.tokens.inc({ service: serviceId, kind: 'prompt' }, usage.promptTokens)
    ctx.metrics.tokens.inc({ service: serviceId, kind: 'completion' }, usage.completionTokens)
  }
  // Written after this turn's answers; a failure is logged and counted by the store's owner.
  ctx.store.recordRelay(relay.header.sessionId, ctx.operatorAddress, {
    mined: outcome === 'mined',
    promptTokens: usage?.promptTokens ?? 0,
    completionTokens: usage?.completionTokens ?? 0,
  })
}
