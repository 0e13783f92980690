import { defineConfig } from 'tsup'

export default defineConfig({
  // Every generated module is its own entry, so `@decai/protocol/gen/...` subpaths resolve.
  entry: ['src/index.ts', 'src/gen/**/*_pb.ts'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { composite: false } },
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  clean: true,
  target: 'es2022',
})
