#!/usr/bin/env node
// `pnpm test:publish`: proves that the published packages install and work outside the monorepo.
//   1. Starts Verdaccio on loopback, with its config and storage in a temp folder (npm is its
//      uplink for third-party packages; @decai/* is served only from the local storage).
//   2. Copies the workspace to a temp folder (the checkout is never modified), versions every
//      public package there with a changesets snapshot release, builds and publishes them.
//   3. In an empty temp folder outside the workspace: `npm init -y`, `npm install @decai/sdk`
//      from that registry; checks that no workspace-only or dev dependency came with it, checks
//      the tarballs (no test files, no source maps pointing at missing files, no secrets) and
//      prints the install size of @decai/sdk and its dependencies.
//   4. Type-checks the SDK README example (tsc, node16 and bundler) and runs it as ESM and CJS,
//      offline and then against a local network (`pnpm start`).
//   5. Bundles a web page that imports the installed @decai/sdk (esbuild, in the consumer folder)
//      and runs it in headless Chromium against that network: a stream through the gateway and
//      one straight from a supplier with the SDK's client.
// Run through tsx: the browser launch is @decai/app-kit's (one home for every browser test).
import { execFile, execFileSync, spawn } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { detectChromium, launchChromium, servePage } from '../packages/app-kit/src/browser.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const keep = process.argv.includes('--keep')
const started = Date.now()
const timings = []
const step = (name, fn) => {
  const t = Date.now()
  process.stdout.write(`\n== ${name}\n`)
  const result = fn()
  timings.push([name, Date.now() - t])
  return result
}
const stepAsync = async (name, fn) => {
  const t = Date.now()
  process.stdout.write(`\n== ${name}\n`)
  const result = await fn()
  timings.push([name, Date.now() - t])
  return result
}
const run = (cmd, args, opts = {}) =>
  execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...opts })

const fail = (message) => {
  throw new Error(`test:publish: ${message}`)
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

const workspacePackages = () => {
  const found = []
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group))) {
      const file = join(root, group, name, 'package.json')
      if (existsSync(file))
        found.push({ dir: `${group}/${name}`, json: JSON.parse(readFileSync(file, 'utf8')) })
    }
  }
  return found
}

const tmp = mkdtempSync(join(tmpdir(), 'decai-publish-'))
let verdaccio
try {
  const all = workspacePackages()
  const publics = all.filter((p) => !p.json.private)
  const workspaceOnly = new Set(all.filter((p) => p.json.private).map((p) => p.json.name))
  const devOnly = new Set()
  for (const p of publics) {
    for (const name of Object.keys(p.json.devDependencies ?? {})) devOnly.add(name)
  }
  for (const p of publics) {
    for (const name of Object.keys({ ...p.json.dependencies, ...p.json.peerDependencies })) {
      devOnly.delete(name)
    }
  }
  for (const p of publics) devOnly.delete(p.json.name)

  // 1. Verdaccio.
  const port = await freePort()
  const registry = `http://127.0.0.1:${port}/`
  await stepAsync(`Verdaccio on ${registry}`, async () => {
    const home = join(tmp, 'verdaccio')
    mkdirSync(home)
    writeFileSync(
      join(home, 'config.yaml'),
      [
        `storage: ${join(home, 'storage')}`,
        'auth:',
        '  htpasswd:',
        `    file: ${join(home, 'htpasswd')}`,
        'uplinks:',
        '  npmjs:',
        '    url: https://registry.npmjs.org/',
        'packages:',
        "  '@decai/*':",
        '    access: $all',
        '    publish: $authenticated',
        "  '**':",
        '    access: $all',
        '    publish: $authenticated',
        '    proxy: npmjs',
        'log: { type: stdout, format: pretty, level: error }',
        '',
      ].join('\n'),
    )
    verdaccio = spawn(
      join(root, 'node_modules/.bin/verdaccio'),
      ['--config', join(home, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    )
    for (let i = 0; ; i++) {
      if (verdaccio.exitCode !== null) fail(`verdaccio exited with ${verdaccio.exitCode}`)
      try {
        if ((await fetch(`${registry}-/ping`)).ok) break
      } catch {}
      if (i > 600) fail('verdaccio did not start in 60 s')
      await new Promise((r) => setTimeout(r, 100))
    }
  })
  // A throwaway user on the throwaway registry (Verdaccio only takes authenticated publishes).
  const user = await fetch(`${registry}-/user/org.couchdb.user:decai-test`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'decai-test', password: 'test-only-password' }),
  })
  if (!user.ok) fail(`verdaccio user: HTTP ${user.status} ${await user.text()}`)
  const { token } = await user.json()
  const npmrc = join(tmp, 'npmrc')
  writeFileSync(npmrc, `registry=${registry}\n//127.0.0.1:${port}/:_authToken=${token}\n`)
  const registryEnv = {
    ...process.env,
    npm_config_userconfig: npmrc,
    npm_config_registry: registry,
  }

  // 2. Snapshot version, build and publish from a copy of the workspace.
  const copy = join(tmp, 'workspace')
  const versions = step('copy the workspace and version it with a changesets snapshot', () => {
    const files = run('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root })
      .split('\0')
      .filter((f) => f && existsSync(join(root, f)))
    for (const f of files) cpSync(join(root, f), join(copy, f))
    run('pnpm', ['install', '--frozen-lockfile', '--offline', '--ignore-scripts'], { cwd: copy })
    // A snapshot needs a changeset; changelogs are not wanted (and the GitHub changelog needs a token).
    writeFileSync(
      join(copy, '.changeset/publish-test.md'),
      `---\n${publics.map((p) => `'${p.json.name}': patch`).join('\n')}\n---\n\nPublish test.\n`,
    )
    const config = JSON.parse(readFileSync(join(copy, '.changeset/config.json'), 'utf8'))
    config.changelog = false
    writeFileSync(join(copy, '.changeset/config.json'), JSON.stringify(config))
    run('pnpm', ['exec', 'changeset', 'version', '--snapshot', 'publish-test'], { cwd: copy })
    const out = {}
    for (const p of publics) {
      out[p.json.name] = JSON.parse(readFileSync(join(copy, p.dir, 'package.json'), 'utf8')).version
      if (out[p.json.name] === p.json.version) fail(`${p.json.name} was not versioned`)
    }
    console.log(out)
    return out
  })
  step('build the public packages', () => {
    const filters = publics.flatMap((p) => ['--filter', p.json.name])
    run('pnpm', ['exec', 'turbo', 'run', 'build', ...filters, '--output-logs=errors-only'], {
      cwd: copy,
      stdio: ['ignore', 'inherit', 'inherit'],
    })
  })
  const tarballs = join(tmp, 'tarballs')
  step('pack and publish every public package', () => {
    mkdirSync(tarballs)
    for (const p of publics) {
      // pnpm pack applies publishConfig and turns workspace: ranges into versions; the packed
      // tarball is checked and then published as is.
      run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(copy, p.dir) })
    }
    for (const file of readdirSync(tarballs)) {
      run('npm', ['publish', join(tarballs, file), '--tag', 'snapshot', '--registry', registry], {
        env: registryEnv,
        cwd: tmp,
      })
      console.log(`published ${file}`)
    }
  })

  // 3. A consumer project that knows nothing of the workspace.
  const consumer = join(tmp, 'consumer')
  mkdirSync(consumer)
  step('npm init -y && npm install @decai/sdk from the registry', () => {
    run('npm', ['init', '-y'], { cwd: consumer, env: registryEnv })
    run(
      'npm',
      [
        'install',
        `@decai/sdk@${versions['@decai/sdk']}`,
        '--registry',
        registry,
        '--no-audit',
        '--no-fund',
      ],
      { cwd: consumer, env: registryEnv, stdio: ['ignore', 'inherit', 'inherit'] },
    )
  })
  step('the install adds no workspace or dev dependency', () => {
    const lock = JSON.parse(readFileSync(join(consumer, 'package-lock.json'), 'utf8'))
    const installed = Object.entries(lock.packages).filter(([path]) => path !== '')
    const names = new Set()
    for (const [path, meta] of installed) {
      const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)
      names.add(name)
      if (meta.link) fail(`${name} is a link`)
      if (meta.dev) fail(`${name} is a dev dependency`)
      if (meta.resolved && !meta.resolved.startsWith(registry)) {
        fail(`${name} resolved outside the registry: ${meta.resolved}`)
      }
      for (const [dep, range] of Object.entries({
        ...meta.dependencies,
        ...meta.peerDependencies,
      })) {
        if (/^(workspace|link|file):/.test(range)) fail(`${name} depends on ${dep}@${range}`)
      }
    }
    for (const name of names) {
      if (workspaceOnly.has(name)) fail(`workspace-only package installed: ${name}`)
      if (devOnly.has(name)) fail(`dev dependency installed: ${name}`)
    }
    for (const [name, version] of Object.entries(versions)) {
      const meta = lock.packages[`node_modules/${name}`]
      if (meta && meta.version !== version) fail(`${name}@${meta.version}, published ${version}`)
    }
    console.log(`${names.size} packages installed, none from the workspace or dev-only`)
  })
  step('tarball hygiene: no test files, no dangling source maps, no secrets', () => {
    checkTarballs(tarballs)
  })
  step("the SDK README's example: tsc (node16, bundler), then run as ESM and as CommonJS", () => {
    runReadmeExample(consumer)
  })
  step('`@decai/sdk/relay-mining/sqlite` without its optional peer, as ESM and CJS', () => {
    checkSqliteWithoutPeer(consumer)
  })
  const chromium = detectChromium('the browser bundle step of test:publish')
  const page = step('bundle a web page that imports the installed @decai/sdk (esbuild)', () =>
    bundleBrowserPage(consumer),
  )
  await stepAsync(
    `the SDK README's example against a running local network, as ESM and CJS${chromium.skip ? '' : ', and the page in headless Chromium'}`,
    () =>
      runReadmeExampleOnNetwork(join(consumer, 'example'), join(tmp, 'network'), (info, key) =>
        chromium.skip ? undefined : runBrowserPage(page, chromium.path, info, key),
      ),
  )
  const size = step('install size of @decai/sdk and its dependencies', () => {
    const bytes = sizeOf(join(consumer, 'node_modules'))
    const count = readdirSync(join(consumer, 'node_modules'), { recursive: true }).length
    const sdk = sizeOf(join(consumer, 'node_modules/@decai/sdk'))
    console.log(
      `@decai/sdk + dependencies: ${(bytes / 1e6).toFixed(1)} MB on disk (${count} files); @decai/sdk alone ${(sdk / 1e6).toFixed(2)} MB`,
    )
    const perPackage = Object.keys(
      JSON.parse(readFileSync(join(consumer, 'package-lock.json'), 'utf8')).packages,
    )
      .filter((path) => path !== '')
      .map((path) => [path.replace(/^.*node_modules\//, ''), sizeOf(join(consumer, path))])
      .sort((a, b) => b[1] - a[1])
    for (const [name, b] of perPackage.slice(0, 6))
      console.log(`  ${(b / 1e6).toFixed(1).padStart(5)} MB  ${name}`)
    return bytes
  })
  console.log('\ntimings:')
  for (const [name, ms] of timings)
    console.log(`  ${(ms / 1000).toFixed(1).padStart(6)} s  ${name}`)
  console.log(`  ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  total`)
  console.log(`test:publish: ok (install size ${(size / 1e6).toFixed(1)} MB)`)
} finally {
  verdaccio?.kill()
  if (keep) console.log(`kept ${tmp}`)
  else rmSync(tmp, { recursive: true, force: true })
}

// The example is taken from packages/sdk/README.md as written (the first ts block that calls
// createClient), type-checked against the installed package and run from its ESM and CJS builds.
// No network runs here: a preloaded fetch refuses every request and records the URL, so a run
// proves the package resolves, loads and sends the example's first request to the chain.
function runReadmeExample(consumer) {
  const readme = readFileSync(join(root, 'packages/sdk/README.md'), 'utf8')
  const code = /```ts\n(import \{ createClient \} from '@decai\/sdk'[\s\S]*?)\n```/.exec(
    readme,
  )?.[1]
  if (!code) fail('no createClient example in packages/sdk/README.md')
  const dir = join(consumer, 'example')
  mkdirSync(dir)
  writeFileSync(join(dir, 'chat.ts'), `${code}\n`)
  const tsc = join(root, 'node_modules/typescript/bin/tsc')
  for (const [module, resolution] of [
    ['node16', 'node16'],
    ['preserve', 'bundler'],
  ]) {
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'es2022',
          module,
          moduleResolution: resolution,
          types: ['node'],
          typeRoots: [join(root, 'node_modules/@types')],
          // tsc --init's default; @cosmjs's own declarations do not check under node16
          skipLibCheck: true,
        },
        files: ['chat.ts'],
      }),
    )
    try {
      run('node', [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir })
    } catch (error) {
      fail(`tsc (moduleResolution ${resolution}):\n${error.stdout}`)
    }
    console.log(`tsc, moduleResolution ${resolution}: ok`)
  }
  const esbuild = pnpmBin('esbuild', 'esbuild')
  const offline = join(dir, 'offline.mjs')
  writeFileSync(
    offline,
    "globalThis.fetch = async (url) => { throw new Error('offline test: ' + url) }\n",
  )
  for (const [format, file] of [
    ['esm', 'chat.mjs'],
    ['cjs', 'chat.cjs'],
  ]) {
    run(esbuild, ['chat.ts', `--format=${format}`, `--outfile=${file}`, '--log-level=warning'], {
      cwd: dir,
    })
    let stderr = ''
    try {
      execFileSync('node', ['--import', offline, file], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, APP_KEY: '11'.repeat(32) }, // a test key, never funded
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      })
    } catch (error) {
      stderr = `${error.stderr}`
    }
    const loaded = format === 'cjs' ? 'dist/index.cjs' : 'dist/index.js'
    const reached = [
      'offline test: http://127.0.0.1:26657',
      "code: 'CHAIN_QUERY_FAILED'",
      `node_modules/@decai/sdk/${loaded}`,
    ]
    if (!reached.every((text) => stderr.includes(text))) {
      fail(`${file} did not reach the chain request through ${loaded}:\n${stderr}`)
    }
    console.log(`${file}: loads @decai/sdk (${loaded}), sends its first request to the chain`)
  }
}

// `pnpm start` (one supplier, every port free, state in a temp folder), then the compiled example
// with the application's key. The README's RPC URL is the only thing changed, to this network's.
async function runReadmeExampleOnNetwork(dir, dataDir, alsoOnNetwork) {
  const ports = {}
  for (const name of ['rpc', 'grpc', 'gateway', 'supplier', 'dashboard', 'watcher'])
    ports[name] = await freePort()
  const child = spawn(
    'pnpm',
    [
      'start',
      '--',
      '--data-dir',
      dataDir,
      '--suppliers',
      '1',
      ...Object.entries(ports).flatMap(([k, v]) => [`--${k}-port`, String(v)]),
    ],
    { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  try {
    const t = Date.now()
    while (!/ready in [\d.]+ s/.test(output)) {
      if (child.exitCode !== null) fail(`pnpm start exited with ${child.exitCode}:\n${output}`)
      if (Date.now() - t > 240_000) fail(`pnpm start: no ready line in 240 s:\n${output}`)
      await new Promise((r) => setTimeout(r, 200))
    }
    const info = JSON.parse(readFileSync(join(dataDir, 'network.json'), 'utf8'))
    const key = JSON.parse(
      readFileSync(join(dataDir, 'keys', 'application.json'), 'utf8'),
    ).privateKey
    for (const file of ['chat.mjs', 'chat.cjs']) {
      const code = readFileSync(join(dir, file), 'utf8')
      if (!code.includes('http://127.0.0.1:26657')) fail(`${file} lost the README's RPC URL`)
      const local = file.replace('chat.', 'chat-local.')
      writeFileSync(join(dir, local), code.replace('http://127.0.0.1:26657', info.rpcUrl))
      const t0 = Date.now()
      const out = await new Promise((resolve, reject) => {
        execFile(
          'node',
          [local],
          { cwd: dir, encoding: 'utf8', env: { ...process.env, APP_KEY: key }, timeout: 180_000 },
          (error, stdout, stderr) =>
            error
              ? reject(new Error(`${local}: ${error.message}\n${stdout}\n${stderr}`))
              : resolve(stdout),
        )
      })
      const lines = out.trim().split('\n')
      if (
        lines.length < 3 ||
        !lines[0].trim() ||
        !/^answered by pokt1[0-9a-z]+$/.test(lines.at(-1))
      ) {
        fail(`${local} printed no completion, stream and supplier:\n${out}`)
      }
      console.log(
        `${file}: ${JSON.stringify(lines[0])} … ${lines.at(-1)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      )
    }
    await alsoOnNetwork(info, key)
  } finally {
    try {
      process.kill(-child.pid, 'SIGINT')
    } catch {}
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(-child.pid, 0)
      } catch {
        break
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

// What an application author would write for a web page: @decai/sdk imported by name, resolved
// from the consumer's node_modules (the registry install) by esbuild for the browser. The page
// streams a chat completion through the gateway (`checkOpenAiRequest`, `fetch` and the SDK's
// `readServerSentEvents`) and one straight from a supplier with `createClient`.
function browserPageSource() {
  return `import { checkOpenAiRequest, createClient, readServerSentEvents } from '@decai/sdk'

const settle = async (run) => {
  try {
    return { ok: true, value: await run() }
  } catch (error) {
    return { ok: false, error: String(error?.stack ?? error) + (error?.code ? ' ' + error.code : '') }
  }
}

globalThis.streamThroughGateway = ({ baseURL, apiKey, model, prompt }) =>
  settle(async () => {
    const body = { model, messages: [{ role: 'user', content: prompt }], max_tokens: 24, stream: true }
    const check = checkOpenAiRequest('chat', body)
    if (!check.ok) throw new Error(check.issue.message)
    const response = await fetch(baseURL + '/chat/completions', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    if (!response.ok) throw new Error('HTTP ' + response.status + ': ' + (await response.text()))
    let text = ''
    let chunks = 0
    let done = false
    for await (const data of readServerSentEvents(response.body)) {
      if (data === '[DONE]') {
        done = true
        break
      }
      chunks++
      text += JSON.parse(data).choices?.[0]?.delta?.content ?? ''
    }
    return { text, chunks, done, contentType: response.headers.get('content-type') }
  })

globalThis.streamDirect = ({ rpcUrl, key, service, prompt }) =>
  settle(async () => {
    const client = createClient({ chain: rpcUrl, key, service })
    const stream = await client.chat.completions.create({
      messages: [{ role: 'user', content: prompt }],
      max_tokens: 24,
      stream: true,
    })
    let text = ''
    let chunks = 0
    for await (const chunk of stream) {
      chunks++
      text += chunk.choices[0]?.delta.content ?? ''
    }
    return { text, chunks, supplier: stream.response.relay.supplierOperatorAddress }
  })
`
}

function bundleBrowserPage(consumer) {
  const dir = join(consumer, 'browser')
  mkdirSync(dir)
  writeFileSync(join(dir, 'page.mjs'), browserPageSource())
  run(
    pnpmBin('esbuild', 'esbuild'),
    [
      'page.mjs',
      '--bundle',
      '--format=esm',
      '--platform=browser',
      '--target=es2022',
      '--outfile=page.js',
      '--metafile=meta.json',
      '--log-level=warning',
    ],
    { cwd: dir },
  )
  // The browser build of the installed package, not a workspace source.
  const inputs = Object.keys(JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')).inputs)
  const sdk = inputs.filter((f) => f.includes('node_modules/@decai/sdk/'))
  if (!sdk.includes('../node_modules/@decai/sdk/dist/index.js'))
    fail(`the page bundle did not take @decai/sdk's dist/index.js from the install: ${sdk}`)
  const outside = inputs.filter((f) => f !== 'page.mjs' && !f.startsWith('../node_modules/'))
  if (outside.length > 0) fail(`the page bundle reads files outside the install: ${outside}`)
  const bundle = readFileSync(join(dir, 'page.js'), 'utf8')
  console.log(
    `page.js: ${(bundle.length / 1024).toFixed(0)} KiB from ${inputs.length} files, @decai/sdk from dist/index.js`,
  )
  return bundle
}

// The page on a loopback origin of its own (`pnpm start` allows any origin), in headless
// Chromium: both streams must bring real text, and the direct one name a supplier of the network.
async function runBrowserPage(bundle, chromiumPath, info, key) {
  const server = await servePage(bundle)
  const browser = await launchChromium(chromiumPath)
  try {
    const page = await browser.newPage()
    const lines = []
    page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`))
    page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`))
    await page.goto(`${server.url}/`)
    await page.waitForFunction(() => 'streamDirect' in globalThis, undefined, { timeout: 30_000 })
    const prompt = 'What is the capital of France?'
    const t0 = Date.now()
    const gateway = await page.evaluate((p) => globalThis.streamThroughGateway(p), {
      baseURL: info.gateway.baseUrl,
      apiKey: info.gateway.apiKey,
      model: info.model,
      prompt,
    })
    if (!gateway.ok) fail(`page, through the gateway: ${gateway.error}\n${lines.join('\n')}`)
    const g = gateway.value
    if (
      !g.done ||
      g.chunks < 2 ||
      !g.text.trim() ||
      !g.contentType?.startsWith('text/event-stream')
    )
      fail(`page, through the gateway: no streamed text: ${JSON.stringify(g)}`)
    console.log(
      `Chromium, gateway stream: ${JSON.stringify(g.text)} (${g.chunks} chunks, ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    )
    const t1 = Date.now()
    const direct = await page.evaluate((p) => globalThis.streamDirect(p), {
      rpcUrl: info.rpcUrl,
      key,
      service: info.serviceId,
      prompt,
    })
    if (!direct.ok) fail(`page, createClient: ${direct.error}\n${lines.join('\n')}`)
    const d = direct.value
    if (
      d.chunks < 2 ||
      !d.text.trim() ||
      !info.suppliers.some((s) => s.operatorAddress === d.supplier)
    )
      fail(`page, createClient: no streamed text from a supplier: ${JSON.stringify(d)}`)
    console.log(
      `Chromium, createClient stream: ${JSON.stringify(d.text)} from ${d.supplier} (${((Date.now() - t1) / 1000).toFixed(1)} s)`,
    )
  } finally {
    await browser.close()
    await server.stop()
  }
}

// npm installs no optional peer: the subpath must import, and opening a database must fail with
// the typed SQLITE_UNAVAILABLE that names the package to install, from both builds.
function checkSqliteWithoutPeer(consumer) {
  if (existsSync(join(consumer, 'node_modules/better-sqlite3')))
    fail('better-sqlite3 was installed with @decai/sdk; it is an optional peer')
  const dir = join(consumer, 'sqlite')
  mkdirSync(dir)
  const body = `try {
  openSmstDatabase('relays.sqlite')
  console.log('opened')
} catch (error) {
  console.log(error.name, error.code, error.message.split('\\n')[0])
}
`
  writeFileSync(
    join(dir, 'open.mjs'),
    `import { openSmstDatabase } from '@decai/sdk/relay-mining/sqlite'\n${body}`,
  )
  writeFileSync(
    join(dir, 'open.cjs'),
    `const { openSmstDatabase } = require('@decai/sdk/relay-mining/sqlite')\n${body}`,
  )
  for (const file of ['open.mjs', 'open.cjs']) {
    const out = run('node', [file], { cwd: dir }).trim()
    if (!/^SmstError SQLITE_UNAVAILABLE .*npm install better-sqlite3/.test(out))
      fail(`${file}: expected SQLITE_UNAVAILABLE naming better-sqlite3, got: ${out}`)
    console.log(`${file}: ${out}`)
  }
}

/** A binary of a package that the workspace has but not at its root (esbuild comes with tsup). */
function pnpmBin(pkg, bin) {
  const store = join(root, 'node_modules/.pnpm')
  const found = readdirSync(store)
    .filter((d) => d.startsWith(`${pkg}@`))
    .sort()
    .at(-1)
  return join(store, found, 'node_modules', pkg, 'bin', bin)
}

function sizeOf(dir) {
  let total = 0
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size
  }
  return total
}

// Each tarball is unpacked and read file by file.
function checkTarballs(dir) {
  const problems = []
  const secret = [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
    /\bnpm_[A-Za-z0-9]{36}\b/,
    /\bgh[pousr]_[A-Za-z0-9]{36,}\b/,
    /\bAKIA[0-9A-Z]{16}\b/,
    /_authToken\s*=/,
  ]
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tgz'))) {
    const out = join(dir, file.replace(/\.tgz$/, ''))
    mkdirSync(out)
    run('tar', ['-xzf', join(dir, file), '-C', out])
    const pkg = join(out, 'package')
    const files = readdirSync(pkg, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name))
    for (const f of files) {
      const rel = `${file}:${relative(pkg, f)}`
      if (
        /(^|\/)(test|tests|__tests__)\//.test(relative(pkg, f)) ||
        /\.(test|spec)\.[cm]?[jt]sx?$/.test(f)
      ) {
        problems.push(`${rel}: a test file`)
      }
      if (/(^|\/)\.env|\.npmrc$|\.pem$|\.key$/.test(relative(pkg, f)))
        problems.push(`${rel}: a secrets file`)
      const text = readFileSync(f, 'utf8')
      for (const pattern of secret)
        if (pattern.test(text)) problems.push(`${rel}: matches ${pattern}`)
      const mapRef = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1]
      if (mapRef && !mapRef.startsWith('data:') && !existsSync(join(dirname(f), mapRef))) {
        problems.push(`${rel}: source map ${mapRef} is missing`)
      }
      if (f.endsWith('.map')) {
        const map = JSON.parse(text)
        for (const source of map.sources ?? []) {
          if (!existsSync(join(dirname(f), map.sourceRoot ?? '', source)) && !map.sourcesContent) {
            problems.push(`${rel}: source ${source} is missing`)
          }
        }
      }
    }
    console.log(`${file}: ${files.length} files`)
  }
  if (problems.length > 0) fail(`tarball hygiene:\n  ${problems.join('\n  ')}`)
}
