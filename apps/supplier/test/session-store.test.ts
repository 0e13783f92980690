// The supplier's session store: a session is recorded once, and again after it was pruned.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
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

  it('writes the counts of a turn on its own, once its answers are out, and they survive a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'decai-session-store-'))
    const store = openSessionStore(dir, { synchronous: 'normal' })
    store.ensureSession(header, SUPPLIER, 2n)
    for (let i = 0; i < 3; i++)
      store.recordRelay(header.sessionId, SUPPLIER, {
        mined: i > 0,
        promptTokens: 10,
        completionTokens: 1,
      })
    // The next turn: written without any read asking for them.
    await new Promise((resolve) => setImmediate(resolve))
    const raw = new Database(join(dir, 'state.sqlite'), { readonly: true })
    const row = raw
      .prepare('SELECT relays_served, relays_mined, prompt_tokens FROM sessions')
      .get() as { relays_served: number; relays_mined: number; prompt_tokens: number }
    raw.close()
    expect(row).toEqual({ relays_served: 3, relays_mined: 2, prompt_tokens: 30 })
    store.recordRelay(header.sessionId, SUPPLIER, {
      mined: true,
      promptTokens: 0,
      completionTokens: 0,
    })
    store.close()
    const reopened = openSessionStore(dir, { synchronous: 'normal' })
    try {
      // Counts of the last turn are written at close.
      expect(reopened.getSession(header.sessionId, SUPPLIER)).toMatchObject({
        relaysServed: 4,
        relaysMined: 3,
      })
    } finally {
      reopened.close()
    }
  })
})
