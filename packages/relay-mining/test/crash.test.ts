import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { Smst } from '../src/index.js'
import { openSmstDatabase } from '../src/sqlite/index.js'
import { crashOp } from './fixtures/crash-ops.js'

const dir = mkdtempSync(join(tmpdir(), 'smst-crash-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/**
 * Runs the writer from op `start`, `batch` ops per call, and SIGKILLs it once it has
 * acknowledged `killAfter` ops; returns how many ops (counted from 0) were acknowledged.
 */
function runAndKill(
  path: string,
  start: number,
  killAfter: number,
  interval: number,
  batch: number,
) {
  return new Promise<number>((resolve, reject) => {
    const writer = join(import.meta.dirname, 'fixtures/crash-writer.ts')
    const args = [writer, path, 'session', String(start), String(interval), String(batch)]
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: join(import.meta.dirname, '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let acked = start
    let buffered = ''
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const last = Number(line.slice(4))
        if (last < acked) reject(new Error(`ack ${last} out of order after ${acked - 1}`))
        acked = last + 1
      }
      if (acked - start >= killAfter && child.exitCode === null) child.kill('SIGKILL')
    })
    child.on('close', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited without being killed: ${stderr}`))
      else resolve(acked)
    })
  })
}

function rootAfter(ops: number): string {
  const trie = new Smst()
  for (let i = 0; i < ops; i++) {
    const op = crashOp(i)
    if (op.op === 'update') trie.update(op.key, op.value, op.weight)
    else trie.delete(op.key)
  }
  return Buffer.from(trie.root()).toString('hex')
}

it('loses no acknowledged update when the writer is killed at any moment', {
  timeout: 60_000,
}, async () => {
  const path = join(dir, 'relays.sqlite')
  let done = 0
  // Small checkpoint intervals put many kills inside or next to a checkpoint. Batches of 7 are
  // one `updateMany` call each (one log record), except where a delete falls inside them.
  for (const [killAfter, interval, batch] of [
    [250, 40, 1],
    [400, 97, 7],
    [150, 13, 1],
    [600, 250, 7],
    [300, 1000, 1],
  ] as const) {
    const acked = await runAndKill(path, done, killAfter, interval, batch)
    const db = openSmstDatabase(path)
    const trie = db.openTrie('session')
    const root = Buffer.from(trie.root()).toString('hex')
    // Every acknowledged op is there; so may be the call in flight when the kill landed (one
    // op, or one whole batch), and nothing else.
    const durable = [acked, acked + 1, acked + batch].find((n) => rootAfter(n) === root)
    expect(durable, `after ${acked} acknowledged ops`).toBeDefined()
    db.close()
    done = durable as number
  }
  expect(done).toBeGreaterThan(1500)
})
