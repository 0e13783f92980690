import { defineConfig } from 'tsup'

export default defineConfig({
  // `actions` is the `./actions` subpath: the client's methods as standalone functions.
  entry: ['src/index.ts', 'src/actions.ts'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { composite: false } },
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  clean: true,
  target: 'es2022',
})
