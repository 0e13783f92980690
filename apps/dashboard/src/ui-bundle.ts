import { join } from 'node:path'
import { build } from 'esbuild'
import { DashboardError } from './errors.js'

/** The browser UI, bundled: one ES module and one stylesheet. */
export type UiBundle = { js: string; css: string }

/**
 * Bundles the UI (`src/ui/main.tsx`: Preact and uPlot) in memory with esbuild. It takes well
 * under a second, so the server does it at start and there is no build step to forget.
 */
export async function bundleUi(): Promise<UiBundle> {
  try {
    const result = await build({
      entryPoints: [join(import.meta.dirname, 'ui', 'main.tsx')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      minify: true,
      outdir: 'ui',
      write: false,
      logLevel: 'silent',
    })
    const js = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? ''
    const css = result.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? ''
    return { js, css }
  } catch (cause) {
    throw new DashboardError('INTERNAL', 'The UI could not be bundled.', { cause })
  }
}
