#!/usr/bin/env node
// CI guard: every package's and app's error class links to a README section that lists each of
// its codes. Run with `node --import tsx` (it loads each `src/errors.ts` as the packages ship it).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { BaseError } from '../packages/core/src/index.ts'

const root = new URL('..', import.meta.url)
const problems = []
let checked = 0
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(new URL(group, root))) {
    const file = new URL(`${group}/${name}/src/errors.ts`, root)
    if (!existsSync(file)) continue
    const exports = await import(pathToFileURL(file.pathname).href)
    const errorClass = Object.values(exports).find(
      (value) => typeof value === 'function' && value.prototype instanceof BaseError,
    )
    // The code table: a `const` object whose every value is its own key.
    const codes = Object.values(exports).find(
      (value) =>
        value !== null &&
        typeof value === 'object' &&
        Object.keys(value).length > 0 &&
        Object.entries(value).every(([key, code]) => key === code),
    )
    const where = `${group}/${name}/src/errors.ts`
    if (!errorClass || !codes) {
      problems.push(`${where}: no error class extending BaseError, or no code table`)
      continue
    }
    const { docsPath } = new errorClass(Object.keys(codes)[0], 'x')
    const [path, anchor] = (docsPath ?? '').split('#')
    const page = path ? new URL(path, root) : undefined
    if (!page || !existsSync(page) || anchor !== 'errors') {
      problems.push(`${where}: docsPath ${docsPath} is not an existing page's #errors`)
      continue
    }
    const text = readFileSync(page, 'utf8')
    const start = text.indexOf('\n## Errors\n')
    const end = text.indexOf('\n## ', start + 1)
    const section = start === -1 ? '' : text.slice(start, end === -1 ? undefined : end)
    const missing = Object.keys(codes).filter((code) => !section.includes(`\`${code}\``))
    if (missing.length > 0) problems.push(`${path}#errors does not list ${missing.join(', ')}`)
    checked++
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'))
  process.exit(1)
}
console.log(`the errors of ${checked} packages and apps link to sections that list every code`)
