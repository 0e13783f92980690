import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // End-to-end tests run a devnet and a real model on 2 CPU cores.
    testTimeout: 180_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
})
