// Holds docs/architecture.md against the code. For every package and app:
// - its source imports exactly the @decai packages its package.json lists as runtime
//   dependencies (none missing, none unused: a test-only dependency is a devDependency);
// - the "Depends on" column of docs/architecture.md names exactly those packages;
// - arrows point down: no package depends on an app or on the private app kit, no app on
//   another app, and the published packages form no cycle;
// - the pure packages use no Node-only module outside the subpaths that say they need Node.
// Run by `pnpm lint`; exits non-zero with one line per finding.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = join(import.meta.dirname, '..')
const scope = '@decai/'

/** Pure packages run in browsers; only these subpaths of theirs may use Node. */
const pure = {
  core: [],
  protocol: [],
  // The native backend's loader, reached only through the `node` condition of `#native-loader`.
  crypto: ['src/native-loader.ts'],
  'relay-mining': ['src/sqlite/'],
  session: [],
}
const nodeOnly = /^(node:|better-sqlite3$|ws$|fs$|path$|os$|http$|https$|net$|crypto$)/

const findings = []
const fail = (message) => findings.push(message)

const workspaces = ['packages', 'apps'].flatMap((kind) =>
  readdirSync(join(root, kind))
    .filter((name) => statSync(join(root, kind, name, 'package.json'), { throwIfNoEntry: false }))
    .map((name) => {
      const dir = join(root, kind, name)
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
      return { kind, dir, manifest, name: manifest.name, short: manifest.name.slice(scope.length) }
    }),
)
const byName = new Map(workspaces.map((w) => [w.name, w]))

function sourceFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|tsx|mts)$/.test(e.name) && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name))
    .filter((file) => !file.includes(`${join('src', 'gen')}`))
}

// Import specifiers of real statements; doc comments that show an import are skipped.
const importPattern =
  /^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm
function importsOf(file) {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '')
  return [...text.matchAll(importPattern)].map((m) => m[1] ?? m[2] ?? m[3])
}

const packageOf = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/')

// 1. Imports against package.json.
const dependsOn = new Map()
for (const w of workspaces) {
  const src = join(w.dir, 'src')
  const imported = new Set()
  for (const file of sourceFiles(src)) {
    for (const specifier of importsOf(file)) {
      const name = packageOf(specifier)
      if (name.startsWith(scope) && name !== w.name) imported.add(name)
      const purity = pure[w.short]
      if (w.kind === 'packages' && purity && nodeOnly.test(specifier)) {
        const path = relative(w.dir, file)
        if (!purity.some((allowed) => path.startsWith(allowed))) {
          fail(
            `${w.name}: ${path} imports '${specifier}', but the package is pure (docs/architecture.md)`,
          )
        }
      }
    }
  }
  const declared = new Set(
    Object.keys(w.manifest.dependencies ?? {}).filter((d) => d.startsWith(scope)),
  )
  for (const name of imported) {
    if (!declared.has(name))
      fail(`${w.name}: src imports ${name}, which is not a runtime dependency`)
  }
  for (const name of declared) {
    if (!imported.has(name))
      fail(`${w.name}: lists ${name} as a runtime dependency, but src never imports it`)
  }
  dependsOn.set(w.name, [...declared].sort())
}

// 2. Arrows point down.
for (const w of workspaces) {
  for (const dep of dependsOn.get(w.name)) {
    const target = byName.get(dep)
    if (!target) {
      fail(`${w.name}: depends on ${dep}, which is not in the workspace`)
    } else if (target.kind === 'apps') {
      fail(`${w.name}: depends on the app ${dep}; apps sit on top and nothing imports them`)
    } else if (target.manifest.private && w.kind === 'packages' && !w.manifest.private) {
      fail(`${w.name}: a published package depends on the private ${dep}`)
    }
  }
}
const visiting = new Set()
const done = new Set()
function visit(name, path) {
  if (done.has(name)) return
  if (visiting.has(name)) return fail(`dependency cycle: ${[...path, name].join(' -> ')}`)
  visiting.add(name)
  for (const dep of dependsOn.get(name) ?? []) visit(dep, [...path, name])
  visiting.delete(name)
  done.add(name)
}
for (const w of workspaces) visit(w.name, [])

// 3. The docs' package table names the same dependencies.
const doc = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8')
const rows = new Map()
for (const line of doc.split('\n')) {
  const cells = line.split('|').map((c) => c.trim())
  const name = /^`(@decai\/[a-z-]+)`$/.exec(cells[1] ?? '')?.[1]
  if (!name || cells.length < 5) continue
  const named = [...cells[3].matchAll(/`([a-z@][a-z/@*-]*)`/g)].map((m) => m[1])
  const internal = named
    .map((n) => (n.startsWith(scope) ? n : `${scope}${n}`))
    .filter((n) => byName.has(n))
  rows.set(name, [...new Set(internal)].sort())
}
for (const w of workspaces.filter((w) => w.kind === 'packages')) {
  const row = rows.get(w.name)
  const actual = dependsOn.get(w.name).join(', ') || '(none)'
  if (!row) {
    fail(`docs/architecture.md: the package table has no row for ${w.name}`)
  } else if (row.join(', ') !== dependsOn.get(w.name).join(', ')) {
    fail(
      `docs/architecture.md: ${w.name} "Depends on" names ${row.join(', ') || '(none)'}; package.json has ${actual}`,
    )
  }
}

if (findings.length > 0) {
  for (const finding of findings) console.error(finding)
  console.error(`\n${findings.length} architecture finding(s); see docs/architecture.md`)
  process.exit(1)
}
console.log(`architecture: ${workspaces.length} workspaces hold to docs/architecture.md`)
