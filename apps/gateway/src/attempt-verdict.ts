import { inspectChunk } from '@decai/app-kit/openai'
import { type SseEvent, SseParser } from '@decai/app-kit/sse'
import type { CachedSession } from './chain-view.js'
import { type AttemptEvent, AttemptFailure } from './relay-attempt.js'

// One attempt (one relay to one supplier) as the executor races it, and the verdict on each
// of its verified events before any attempt has won: keep waiting, win, or fail over.

export type Attempt = {
  id: number
  supplier: string
  session: CachedSession
  hedge: boolean
  /** Prefill work ahead of its first token when sent (its prompt and the supplier's queue). */
  work: number
  /** Its prompt still counts in the supplier's queue (until its first token, or its end). */
  queued: boolean
  /** Expected time to its first token (or whole answer) when sent, if measurable. */
  expectedMs: number | undefined
  startedAt: number
  fetchStartedAt: number
  responseAt: number
  /** When the bytes of its latest streamed data arrived (0: none yet). */
  lastDataAt: number
  abort: AbortController
  iterator: AsyncGenerator<AttemptEvent, void, undefined>
  next: Promise<Step>
  head: { status: number; headers: Record<string, string> } | undefined
  body: Uint8Array[]
  /** Stream attempts: SSE split, events held until the attempt wins. */
  parser: SseParser | undefined
  /** With the parser: the stream's bytes as text (made per stream only, as it is not cheap). */
  decoder: TextDecoder | undefined
  held: SseEvent[]
  heldBytes: Uint8Array[]
  ready: boolean
  cancelled: boolean
}

/** What an attempt's next read gave. */
export type Step =
  | { kind: 'event'; attempt: Attempt; event: AttemptEvent }
  | { kind: 'error'; attempt: Attempt; error: unknown }
  | { kind: 'finished'; attempt: Attempt }

/** A fresh attempt; `flow` makes its events (the relay itself). */
export function createAttempt(
  p: Pick<Attempt, 'id' | 'supplier' | 'session' | 'hedge' | 'work' | 'expectedMs'>,
  flow: (a: Attempt) => AsyncGenerator<AttemptEvent, void, undefined>,
): Attempt {
  const attempt: Attempt = {
    ...p,
    queued: true,
    startedAt: performance.now(),
    fetchStartedAt: 0,
    responseAt: 0,
    lastDataAt: 0,
    abort: new AbortController(),
    iterator: undefined as unknown as Attempt['iterator'],
    next: undefined as unknown as Promise<Step>,
    head: undefined,
    body: [],
    parser: undefined,
    decoder: undefined,
    held: [],
    heldBytes: [],
    ready: false,
    cancelled: false,
  }
  attempt.iterator = flow(attempt)
  pullAttempt(attempt)
  return attempt
}

/** Starts reading the attempt's next event (`a.next`). */
export function pullAttempt(a: Attempt): void {
  a.next = a.iterator.next().then(
    (r): Step =>
      r.done ? { kind: 'finished', attempt: a } : { kind: 'event', attempt: a, event: r.value },
    (error: unknown): Step => ({ kind: 'error', attempt: a, error }),
  )
}

/** Whether a backend status means "try another supplier" rather than "your request is wrong". */
export function isRetryableStatus(status: number): boolean {
  // 404 here is the backend not serving the model the service promises; 408/409/425/429 and
  // 5xx are the backend's trouble.
  return (
    status === 404 ||
    status === 408 ||
    status === 409 ||
    status === 425 ||
    status === 429 ||
    status >= 500
  )
}

export function isEventStream(headers: Record<string, string>): boolean {
  return (headers['content-type'] ?? '').toLowerCase().startsWith('text/event-stream')
}

/**
 * Takes one verified event of an attempt before any has won: `win` once it has a first token
 * (stream) or its whole answer, `continue` to read on, or the failure to fail it with.
 */
export function judgeAttemptEvent(
  a: Attempt,
  event: AttemptEvent,
  stream: boolean,
): 'win' | 'continue' | AttemptFailure {
  const ok = a.head !== undefined && a.head.status >= 200 && a.head.status < 300
  switch (event.type) {
    case 'head':
      a.head = { status: event.status, headers: event.headers }
      if (stream && event.status >= 200 && event.status < 300 && isEventStream(event.headers)) {
        a.parser = new SseParser()
        a.decoder = new TextDecoder()
      }
      return 'continue'
    case 'data':
      if (!a.head) return new AttemptFailure('malformed', 'Data before the head.')
      if (!stream || !ok) {
        a.body.push(event.bytes)
        return 'continue'
      }
      a.lastDataAt = event.receivedAt ?? performance.now()
      return judgeStreamData(a, event.bytes)
    case 'end':
      if (!a.head) return new AttemptFailure('malformed', 'The relay has no head.')
      if (!ok && isRetryableStatus(a.head.status))
        return new AttemptFailure('upstream_status', `The backend answered HTTP ${a.head.status}.`)
      a.ready = true
      a.body.push(...a.heldBytes)
      return 'win'
  }
}

function judgeStreamData(a: Attempt, bytes: Uint8Array): 'win' | 'continue' | AttemptFailure {
  if (!a.parser) {
    // A streamed answer that is not SSE: its first bytes are its first token.
    a.heldBytes.push(bytes)
    a.ready = true
    return 'win'
  }
  // Hold events until one carries a token: role-only chunks do not count as a first token.
  for (const e of a.parser.push(a.decoder!.decode(bytes, { stream: true }))) {
    a.held.push(e)
    if (e.data === undefined) continue
    const info = inspectChunk(e.data)
    // The backend failed before its first token: nothing reached the client yet, so
    // another supplier may still answer.
    if (info.error !== undefined)
      return new AttemptFailure('upstream_status', 'The backend sent an error before any token.')
    if (info.hasContent || info.done || info.usage) a.ready = true
  }
  return a.ready ? 'win' : 'continue'
}
