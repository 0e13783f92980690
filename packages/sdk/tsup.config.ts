import { defineConfig } from 'tsup'

export default defineConfig({
  // One file per subpath export; `relay-mining-sqlite` is the Node-only `./relay-mining/sqlite`,
  // `openai-request` is `./openai` (the request schema, without the client), `chain-actions` is
  // `./chain/actions` and `go-compat` is `./go-compat`.
  entry: [
    'src/index.ts',
    'src/protocol.ts',
    'src/crypto.ts',
    'src/session.ts',
    'src/go-compat.ts',
    'src/relay-mining.ts',
    'src/relay-mining-sqlite.ts',
    'src/chain.ts',
    'src/chain-actions.ts',
    'src/openai-request.ts',
  ],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { composite: false } },
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['better-sqlite3'],
})
