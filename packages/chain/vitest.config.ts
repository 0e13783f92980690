import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The integration suite starts a chain; it runs with `pnpm test:integration`.
    exclude: ['test/integration/**'],
  },
})
