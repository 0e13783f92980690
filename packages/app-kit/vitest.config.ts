import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // CI machines have 2 cores shared with other suites: a slow test is not a failed one.
    testTimeout: 30_000,
  },
})
