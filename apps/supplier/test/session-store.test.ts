// The supplier's session store: a session is recorded once, and again after it was pruned.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openSessionStore } from '../src/session-store.js'

const SUPPLIER = 'pokt1supplier'
const header = {
  applicationAddress: 'pokt1app',
  serviceId: 'llm',
  sessionId: 'session-1',
  sessionStartBlockHeight: 1n,
  sessionEndBlockHeight: 4n,
}

let dir: string | undefined
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('the session store', () => {
  it('records a session at its first relay, counts the next ones, and records it again once pruned', () => {
    dir = mkdtempSync(join(tmpdir(), 'decai-session-store-'))
    const store = openSessionStore(dir, { synchronous: 'normal' })
    try {
      store.ensureSession(header, SUPPLIER, 2n)
      store.recordRelay(header.sessionId, SUPPLIER, {
        mined: true,
        promptTokens: 3,
        completionTokens: 5,
      })
      store.ensureSession(header, SUPPLIER, 3n)
      store.recordRelay(header.sessionId, SUPPLIER, {
        mined: false,
        promptTokens: 1,
        completionTokens: 2,
      })
      expect(store.getSession(header.sessionId, SUPPLIER)).toMatchObject({
        state: 'open',
        relaysServed: 2,
        relaysMined: 1,
        promptTokens: 4,
        completionTokens: 7,
        updatedHeight: 2n,
      })

      expect(store.transition(header.sessionId, SUPPLIER, 'open', 'settled')).toBe(true)
      expect(store.prune(10n)).toBe(1)
      expect(store.getSession(header.sessionId, SUPPLIER)).toBeUndefined()
      // A late relay of a pruned session is recorded anew, not lost to what the store remembered.
      store.ensureSession(header, SUPPLIER, 11n)
      store.recordRelay(header.sessionId, SUPPLIER, {
        mined: false,
        promptTokens: 0,
        completionTokens: 0,
      })
      expect(store.getSession(header.sessionId, SUPPLIER)).toMatchObject({
        state: 'open',
        relaysServed: 1,
        updatedHeight: 11n,
      })
    } finally {
      store.close()
    }
  })
})
