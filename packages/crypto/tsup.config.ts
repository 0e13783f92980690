import { defineConfig } from 'tsup'

export default defineConfig({
  // The two native loaders are built beside the main entry and reached through the package's
  // `#native-loader` import, so the runtime (Node, or a bundler's `browser`/`default` condition)
  // picks one and the main bundle never contains the addon's require.
  entry: ['src/index.ts', 'src/native-loader.ts', 'src/native-loader.browser.ts'],
  external: ['#native-loader'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { composite: false } },
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  clean: true,
  // import.meta.url in the CommonJS build of the Node loader.
  shims: true,
  target: 'es2022',
})
