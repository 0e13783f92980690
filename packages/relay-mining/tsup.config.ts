import { defineConfig } from 'tsup'

export default defineConfig({
  // `sqlite/index` is the Node-only `./sqlite` subpath; the main entry stays browser-safe.
  entry: { index: 'src/index.ts', 'sqlite/index': 'src/sqlite/index.ts' },
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { composite: false } },
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['better-sqlite3'],
  // `import.meta.url` (the lazy require of better-sqlite3) in the CommonJS build too.
  shims: true,
})
