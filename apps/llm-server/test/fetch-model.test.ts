import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureModel, getModelInfo } from '../src/index.js'

// Exercises the cache logic on copies of the real file; only a missing cache downloads.
describe('ensureModel', () => {
  let source: string
  let dir: string

  beforeAll(async () => {
    source = await ensureModel()
    dir = await mkdtemp(join(tmpdir(), 'decai-model-'))
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('returns a verified cached file, from many callers at once', async () => {
    const info = await getModelInfo()
    await copyFile(source, join(dir, info.file))
    const paths = await Promise.all([1, 2, 3].map(() => ensureModel({ dir, log: () => {} })))
    expect(new Set(paths)).toEqual(new Set([join(dir, info.file)]))
  })

  it('refuses a cached file whose hash differs', async () => {
    const info = await getModelInfo()
    const corrupt = await mkdtemp(join(tmpdir(), 'decai-model-'))
    try {
      await writeFile(join(corrupt, info.file), 'not a model')
      await expect(ensureModel({ dir: corrupt, log: () => {} })).rejects.toMatchObject({
        name: 'ModelFetchError',
        code: 'MODEL_CORRUPT',
      })
    } finally {
      await rm(corrupt, { recursive: true, force: true })
    }
  })
})
