// Real Redis and PostgreSQL servers for tests and benchmarks: Debian's own binaries, started on
// loopback with their data in a temporary folder, the way tools/pocketd starts pocketd. A test
// can stop a server and start it again on the same port and data, to observe what the apps do
// while it is gone. `.ci/run` installs the packages (redis-server, postgresql) when missing.
import { spawn, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Stable codes callers branch on. */
export const TestServerErrorCode = /** @type {const} */ ({
  NOT_INSTALLED: 'NOT_INSTALLED',
  START_FAILED: 'START_FAILED',
  TIMEOUT: 'TIMEOUT',
})

export class TestServerError extends Error {
  /**
   * @param {keyof typeof TestServerErrorCode} code
   * @param {string} message
   * @param {{ cause?: unknown }} [options]
   */
  constructor(code, message, options = {}) {
    super(message, { cause: options.cause })
    this.name = 'TestServerError'
    this.code = code
  }
}

/** Whether both engines are installed, for suites that skip without them outside CI. */
export function findServerBinaries() {
  const redis = findOnPath('redis-server')
  const pgBin = findPostgresBin()
  return {
    redis,
    postgres: pgBin ? join(pgBin, 'postgres') : undefined,
    initdb: pgBin ? join(pgBin, 'initdb') : undefined,
  }
}

/**
 * Whether the suites that need `server` run here: always in CI (`DECAI_REQUIRE_SERVERS=1`, where
 * a missing server then fails them rather than skipping), elsewhere when it is installed.
 * @param {'redis' | 'postgres'} server
 */
export function shouldRunServerSuites(server) {
  return process.env.DECAI_REQUIRE_SERVERS === '1' || findServerBinaries()[server] !== undefined
}

/**
 * Starts `redis-server` on a free loopback port, without persistence unless asked: a stopped
 * and restarted server then comes back empty, as a crashed cache would.
 * @param {{ port?: number, persist?: boolean }} [options]
 */
export async function startRedis(options = {}) {
  const binary = findOnPath('redis-server')
  if (!binary) throw notInstalled('redis-server', 'redis-server')
  const dir = mkdtempSync(join(tmpdir(), 'decai-redis-'))
  const port = options.port ?? (await findFreePort())
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.persist ? 'yes' : 'no',
    '--protected-mode',
    'no',
  ]
  return manage({
    name: 'redis-server',
    port,
    dir,
    url: `redis://127.0.0.1:${port}`,
    launch: () => spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] }),
  })
}

/**
 * Initialises a PostgreSQL cluster in a temporary folder and starts it on a free loopback port,
 * with trust authentication for the local user `decai` and a database `decai`. PostgreSQL
 * refuses to run as root, so under root the server runs as the `postgres` system user.
 * @param {{ port?: number }} [options]
 */
export async function startPostgres(options = {}) {
  const bin = findPostgresBin()
  if (!bin) throw notInstalled('postgres', 'postgresql')
  const owner = serverUser()
  const dir = mkdtempSync(join(tmpdir(), 'decai-postgres-'))
  const data = join(dir, 'data')
  if (owner) chownSync(dir, owner.uid, owner.gid)
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {}
  const init = spawnSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'decai', '--auth=trust', '--encoding=UTF8', '--no-sync'],
    { ...asOwner, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
  )
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true })
    throw new TestServerError('START_FAILED', `initdb failed:\n${init.stderr || init.stdout}`)
  }
  const port = options.port ?? (await findFreePort())
  const args = [
    '-D',
    data,
    '-p',
    String(port),
    '-h',
    '127.0.0.1',
    '-k',
    dir,
    // A test server: durability is not what is being tested, and fsync is slow on shared disks.
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=200',
  ]
  const server = await manage({
    name: 'postgres',
    port,
    dir,
    url: `postgres://decai@127.0.0.1:${port}/postgres`,
    // SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to leave.
    stopSignal: 'SIGINT',
    // The port opens a moment before the server accepts sessions ("starting up").
    ready: async () => {
      for (let i = 0; i < 100; i++) {
        const probe = spawnSync(join(bin, 'psql'), [...psqlTarget(port), '-qtAc', 'SELECT 1'])
        if (probe.status === 0) return
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      throw new TestServerError('TIMEOUT', `PostgreSQL on port ${port} accepts no session.`)
    },
    launch: () =>
      spawn(join(bin, 'postgres'), args, { ...asOwner, stdio: ['ignore', 'pipe', 'pipe'] }),
  })
  const created = createDatabase(bin, port)
  if (created.status !== 0) {
    await server.stop()
    throw new TestServerError('START_FAILED', `Cannot create the test database:\n${created.stderr}`)
  }
  server.url = `postgres://decai@127.0.0.1:${port}/decai`
  return server
}

/** @param {string} bin @param {number} port */
function createDatabase(bin, port) {
  return spawnSync(join(bin, 'psql'), [...psqlTarget(port), '-qc', 'CREATE DATABASE decai'], {
    encoding: 'utf8',
  })
}

/** @param {number} port */
function psqlTarget(port) {
  return ['-h', '127.0.0.1', '-p', String(port), '-U', 'decai', '-d', 'postgres']
}

/**
 * @param {{ name: string, port: number, dir: string, url: string, stopSignal?: NodeJS.Signals, ready?: () => Promise<void>, launch: () => import('node:child_process').ChildProcess }} spec
 */
async function manage(spec) {
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let child
  let output = ''
  const launch = async () => {
    output = ''
    const started = spec.launch()
    child = started
    started.stdout?.on('data', (chunk) => {
      output = (output + chunk).slice(-8000)
    })
    started.stderr?.on('data', (chunk) => {
      output = (output + chunk).slice(-8000)
    })
    const exited = new Promise((resolve) => started.once('exit', resolve))
    const ready = await Promise.race([
      waitForPort(spec.port, 20_000).then(() => 'ready'),
      exited.then(() => 'exited'),
    ])
    if (ready !== 'ready') {
      throw new TestServerError('START_FAILED', `${spec.name} exited at start:\n${output}`)
    }
    await spec.ready?.()
  }
  const halt = async () => {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill(spec.stopSignal ?? 'SIGTERM')
    const timer = setTimeout(() => running.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
  await launch()
  return {
    url: spec.url,
    port: spec.port,
    /** Whether the server process is running. */
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null
    },
    /** Stops the process and keeps its data, so `start()` brings the same server back. */
    pause: halt,
    /** Starts the server again on the same port and data after `pause()`. */
    start: launch,
    /** Stops the process and deletes its data. */
    async stop() {
      await halt()
      rmSync(spec.dir, { recursive: true, force: true })
    },
  }
}

/** @param {number} port @param {number} timeoutMs */
async function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const open = await new Promise((resolve) => {
      const socket = new Socket()
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
      socket.connect(port, '127.0.0.1')
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new TestServerError(
    'TIMEOUT',
    `Nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms.`,
  )
}

/** @returns {Promise<number>} */
function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** @param {string} name */
function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name)
  }
  return existsSync(join('/usr/sbin', name)) ? join('/usr/sbin', name) : undefined
}

/** Debian installs PostgreSQL's server programs per major version, off PATH. */
function findPostgresBin() {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] ? join(root, versions[0], 'bin') : undefined
}

/** The system user PostgreSQL runs as when the tests run as root. */
function serverUser() {
  if (process.getuid?.() !== 0) return undefined
  const id = (flag) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' })
  const uid = id('-u')
  const gid = id('-g')
  if (uid.status !== 0 || gid.status !== 0) {
    throw new TestServerError(
      'START_FAILED',
      'PostgreSQL will not run as root and there is no `postgres` system user to run it as.',
    )
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

/** @param {string} program @param {string} debianPackage */
function notInstalled(program, debianPackage) {
  return new TestServerError(
    'NOT_INSTALLED',
    `${program} is not installed; install Debian's ${debianPackage} package (.ci/run does).`,
  )
}

/** `getconf CLK_TCK`: the unit of `/proc/<pid>/stat`'s times on every Linux Node supports. */
const CLOCK_TICKS_PER_SECOND = 100

/**
 * The CPU time a process has used so far, user and system, all its threads (ms), from Linux's
 * `/proc`; undefined elsewhere or once it has gone. Benchmarks divide its growth by the work
 * done: unlike wall time, it barely moves with the machine's load.
 * @param {number | undefined} pid
 * @returns {number | undefined}
 */
export function readProcessCpuMs(pid) {
  if (pid === undefined) return undefined
  try {
    // The fields after the command name, which is in parentheses and may hold spaces;
    // utime and stime are the 14th and 15th fields of the line.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND
  } catch {
    return undefined
  }
}
