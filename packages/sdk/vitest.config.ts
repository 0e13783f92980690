import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The end-to-end tests run a devnet, real suppliers and a real model on 2 CPU cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
