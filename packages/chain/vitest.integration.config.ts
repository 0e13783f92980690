import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: {
    alias: {
      // The tests build real SMSTs; the package itself never needs relay-mining.
      '@decai/relay-mining': fileURLToPath(
        new URL('../relay-mining/src/index.ts', import.meta.url),
      ),
    },
  },
  test: {
    include: ['test/integration/**/*.test.ts'],
    // One chain per file; files share nothing, but a 2-core machine runs them one at a time.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
