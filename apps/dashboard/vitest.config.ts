import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // One chain, driven to settlement once, for every file (CHAIN_BACKEND=pocketd for pocketd).
    globalSetup: ['test/helpers/global-setup.ts'],
    // The end-to-end tests drive a chain and a browser on 2 CPU cores.
    testTimeout: 180_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
})
