// Builds poktroll's pocketd from the Go module proxy, as a release would be built (CGO disabled),
// with the smallest patches that make it buildable from public modules (docs/pocketd.md).
import { createHash } from 'node:crypto'
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  COMETBFT_MODULE,
  COMETBFT_VERSION,
  GO_MOD_EDITS,
  getBuildFlags,
  POKTROLL_MODULE,
  POKTROLL_VERSION,
  patchCometbft,
  patchRelayerCommands,
  SHANNON_SDK_MODULE,
} from './patches.mjs'
import { PocketdError, run, sleep } from './process.mjs'

const PROTOBUF_GO = 'google.golang.org/protobuf/cmd/protoc-gen-go'

const toolDir = fileURLToPath(new URL('..', import.meta.url))
export const repoRoot = join(toolDir, '..', '..')

/** Where builds, binaries and node homes live (gitignored). */
export function getCacheDir() {
  return process.env.POCKETD_CACHE_DIR ?? join(repoRoot, '.decai', 'pocketd')
}

/**
 * Builds pocketd unless a binary with the same inputs is cached; returns its path.
 * @param {{ force?: boolean, log?: (line: string) => void }} [options]
 */
export async function buildPocketd(options = {}) {
  const log = options.log ?? ((line) => process.stderr.write(`${line}\n`))
  const env = goEnv()
  const goVersion = (await run('go', ['env', 'GOVERSION'], { env })).stdout.trim()
  const key = getBuildKey(goVersion)
  const cacheDir = getCacheDir()
  const binary = join(cacheDir, 'bin', `pocketd-${POKTROLL_VERSION}-${key}`)
  if (existsSync(binary) && !options.force) {
    linkCurrent(binary)
    return binary
  }
  mkdirSync(cacheDir, { recursive: true })
  const release = await lockBuild(cacheDir, log)
  try {
    // Another process may have built it while this one waited.
    if (existsSync(binary) && !options.force) return binary
    return await compile({ binary, cacheDir, env, goVersion, key, log })
  } finally {
    release()
  }
}

/**
 * One build at a time per cache directory (parallel test workers may all ask): an exclusive
 * lock directory; a lock older than an hour is taken to be left by a killed build.
 */
async function lockBuild(cacheDir, log) {
  const lock = join(cacheDir, 'build.lock')
  for (let logged = false; ; ) {
    try {
      mkdirSync(lock)
      return () => rmSync(lock, { recursive: true, force: true })
    } catch (error) {
      if (error.code !== 'EEXIST') throw error
      if (Date.now() - statSync(lock).mtimeMs > 3_600_000) {
        rmSync(lock, { recursive: true, force: true })
        continue
      }
      if (!logged) log('pocketd: waiting for another build to finish')
      logged = true
      await sleep(2_000)
    }
  }
}

async function compile({ binary, cacheDir, env, goVersion, key, log }) {
  const started = Date.now()
  const srcDir = join(cacheDir, 'src')
  rmSync(srcDir, { recursive: true, force: true })
  mkdirSync(srcDir, { recursive: true })

  log(
    `pocketd: downloading ${POKTROLL_MODULE}@${POKTROLL_VERSION} and ${COMETBFT_MODULE}@${COMETBFT_VERSION}`,
  )
  const poktrollDir = join(srcDir, 'poktroll')
  const cometbftDir = join(srcDir, 'cometbft')
  const sdkDir = join(srcDir, 'shannon-sdk')
  copyModule(await downloadModule(POKTROLL_MODULE, POKTROLL_VERSION, env), poktrollDir)
  copyModule(await downloadModule(COMETBFT_MODULE, COMETBFT_VERSION, env), cometbftDir)
  cpSync(join(toolDir, 'shannon-sdk'), sdkDir, { recursive: true })

  log('pocketd: patching the build copy')
  patchCometbft(cometbftDir)
  patchRelayerCommands(poktrollDir)
  await run('go', ['mod', 'edit', ...GO_MOD_EDITS], { cwd: poktrollDir, env })

  log('pocketd: generating the shannon-sdk stand-in types (protoc-gen-go, buf)')
  await generateSdkTypes(poktrollDir, sdkDir, env)

  log('pocketd: compiling (CGO_ENABLED=0); a cold build takes many minutes')
  mkdirSync(dirname(binary), { recursive: true })
  const partial = `${binary}.partial`
  await run('go', ['build', ...getBuildFlags(), '-o', partial, './cmd/pocketd'], {
    cwd: poktrollDir,
    env: { ...env, CGO_ENABLED: '0' },
    echo: true,
  })
  renameSync(partial, binary)
  const seconds = Math.round((Date.now() - started) / 1000)
  writeFileSync(
    `${binary}.json`,
    `${JSON.stringify({ poktroll: POKTROLL_VERSION, cometbft: COMETBFT_VERSION, goVersion, key, buildSeconds: seconds, builtAt: new Date().toISOString() }, null, 2)}\n`,
  )
  linkCurrent(binary)
  removeOtherBuilds(binary)
  log(`pocketd: built in ${seconds}s`)
  return binary
}

/** The cached binary for the current inputs, or undefined. */
export async function findPocketd() {
  const goVersion = (await run('go', ['env', 'GOVERSION'], { env: goEnv() })).stdout.trim()
  const binary = join(getCacheDir(), 'bin', `pocketd-${POKTROLL_VERSION}-${getBuildKey(goVersion)}`)
  return existsSync(binary) ? binary : undefined
}

/**
 * A hash of everything that shapes the binary: Go, the patches (with the versions), the
 * stand-in module and the proto it is generated from.
 * @param {string} goVersion
 */
export function getBuildKey(goVersion) {
  const hash = createHash('sha256')
  hash.update(`${POKTROLL_VERSION}\n${COMETBFT_VERSION}\n${goVersion}\n`)
  for (const file of [
    fileURLToPath(new URL('patches.mjs', import.meta.url)),
    ...listFiles(join(toolDir, 'shannon-sdk')),
    join(repoRoot, 'proto', 'sdk', 'types', 'http.proto'),
  ]) {
    hash.update(`${relative(repoRoot, file)}\n`)
    hash.update(readFileSync(file))
  }
  return hash.digest('hex').slice(0, 12)
}

/** The Go environment for builds: the module proxy, modules on, no inherited -mod flags. */
function goEnv() {
  return { ...process.env, GO111MODULE: 'on', GOFLAGS: '-buildvcs=false' }
}

/** @returns {Promise<string>} the module's directory in the (read-only) module cache */
async function downloadModule(module, version, env) {
  const { stdout } = await run('go', ['mod', 'download', '-json', `${module}@${version}`], {
    cwd: getCacheDir(),
    env,
  })
  const info = JSON.parse(stdout)
  if (info.Error || !info.Dir) {
    throw new PocketdError('COMMAND_FAILED', `Cannot download ${module}@${version}.`, {
      details: info.Error,
    })
  }
  return info.Dir
}

// docusaurus (the website) and tools/scripts (migration fixtures) are 460 of poktroll's 475 MB
// and no Go package of the binary imports them.
const SKIPPED = new Set(['docusaurus', join('tools', 'scripts')])

/** Copies a module out of the read-only cache and makes the copy writable. */
function copyModule(from, to) {
  cpSync(from, to, {
    recursive: true,
    filter: (source) => !SKIPPED.has(relative(from, source)),
  })
  makeWritable(to)
}

function makeWritable(path) {
  const stat = statSync(path)
  chmodSync(path, stat.isDirectory() ? 0o755 : 0o644)
  if (stat.isDirectory()) for (const name of readdirSync(path)) makeWritable(join(path, name))
}

/** Generates http.pb.go from our proto with the protoc-gen-go version poktroll pins. */
async function generateSdkTypes(poktrollDir, sdkDir, env) {
  const binDir = join(getCacheDir(), 'src', 'bin')
  const plugin = join(binDir, 'protoc-gen-go')
  await run('go', ['build', '-o', plugin, PROTOBUF_GO], { cwd: poktrollDir, env })
  const out = join(getCacheDir(), 'src', 'gen')
  const template = {
    version: 'v2',
    plugins: [
      {
        local: plugin,
        out,
        opt: ['paths=source_relative', `Msdk/types/http.proto=${SHANNON_SDK_MODULE}/types`],
      },
    ],
  }
  await run(
    findBuf(),
    [
      'generate',
      'proto',
      '--path',
      join('proto', 'sdk', 'types', 'http.proto'),
      '--template',
      JSON.stringify(template),
    ],
    { cwd: repoRoot, env },
  )
  cpSync(join(out, 'sdk', 'types', 'http.pb.go'), join(sdkDir, 'types', 'http.pb.go'))
}

/** buf comes from npm (@bufbuild/buf, a devDependency of @decai/protocol). */
function findBuf() {
  for (const dir of [
    join(repoRoot, 'node_modules'),
    join(repoRoot, 'packages', 'protocol', 'node_modules'),
  ]) {
    const candidate = join(dir, '.bin', 'buf')
    if (existsSync(candidate)) return candidate
  }
  throw new PocketdError('NOT_BUILT', 'buf not found: run pnpm install at the repository root.')
}

/** `bin/pocketd` always points at the newest build. */
function linkCurrent(binary) {
  const link = join(dirname(binary), 'pocketd')
  rmSync(link, { force: true })
  symlinkSync(binary.slice(dirname(binary).length + 1), link)
}

/** Builds for other inputs are 180 MB each and never used again. */
function removeOtherBuilds(binary) {
  const dir = dirname(binary)
  const keep = binary.slice(dir.length + 1)
  for (const name of readdirSync(dir)) {
    if (name.startsWith('pocketd-') && !name.startsWith(keep))
      rmSync(join(dir, name), { force: true })
  }
}

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
}
