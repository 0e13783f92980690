import { defineConfig } from 'tsup'

export default defineConfig({
  // `go-compat` is the `./go-compat` subpath: Go's plumbing, kept out of the main entry.
  entry: ['src/index.ts', 'src/go-compat.ts'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { composite: false } },
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  clean: true,
  target: 'es2022',
})
