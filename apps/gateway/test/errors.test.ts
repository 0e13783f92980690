import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { GatewayError, gatewayErrorCodes } from '../src/errors.js'

it('links its errors to a docs section that lists every code', () => {
  const error = new GatewayError('INTERNAL', 'x')
  expect(error.docsPath).toBe('apps/gateway/README.md#errors')
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const start = readme.indexOf('\n## Errors\n')
  expect(start).toBeGreaterThan(-1)
  const end = readme.indexOf('\n## ', start + 1)
  const section = readme.slice(start, end === -1 ? undefined : end)
  for (const code of Object.values(gatewayErrorCodes)) expect(section).toContain(`\`${code}\``)
})
