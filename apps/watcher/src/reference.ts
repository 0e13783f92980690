import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { describeError } from '@decai/core'
import type { WatchedService } from './config.js'
import { WatcherError } from './errors.js'

// The watcher's own answers for challenges: the claimed model (the GGUF named by its SHA-256)
// run by the watcher through the llm-server code, asked the same greedy, seeded request as the
// suppliers. Answers are cached per (prompt, max_tokens): greedy decoding makes them fixed.

/** SHA-256 of a file, hex. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Refuses a reference whose model file is not the configured GGUF. */
export async function checkReferenceModel(service: WatchedService): Promise<void> {
  const file = service.reference.modelFile
  if (file === undefined) return
  let actual: string
  try {
    actual = await hashFile(file)
  } catch (cause) {
    throw new WatcherError('REFERENCE_MODEL_MISMATCH', 'Cannot read the reference model file.', {
      details: describeError(cause),
      cause,
    })
  }
  if (actual !== service.reference.sha256)
    throw new WatcherError(
      'REFERENCE_MODEL_MISMATCH',
      'The reference model is not the claimed GGUF.',
      {
        details: `${service.serviceId}: ${file} has SHA-256 ${actual}, expected ${service.reference.sha256}`,
      },
    )
}

export class ReferenceAnswers {
  readonly #cache = new Map<string, Promise<string>>()

  constructor(readonly service: WatchedService) {}

  /** The claimed model's greedy answer to a prompt. */
  get(prompt: string, maxTokens: number, seed: number): Promise<string> {
    const key = `${maxTokens}\u0000${prompt}`
    let answer = this.#cache.get(key)
    if (!answer) {
      answer = this.#ask(prompt, maxTokens, seed)
      answer.catch(() => this.#cache.delete(key))
      this.#cache.set(key, answer)
    }
    return answer
  }

  async #ask(prompt: string, maxTokens: number, seed: number): Promise<string> {
    const url = new URL('/v1/chat/completions', this.service.reference.url)
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: this.service.model,
          messages: [{ role: 'user', content: prompt }],
          max_tokens: maxTokens,
          temperature: 0,
          seed,
        }),
      })
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`)
      const body = (await response.json()) as { choices?: { message?: { content?: string } }[] }
      const content = body.choices?.[0]?.message?.content
      if (typeof content !== 'string') throw new Error('no message content')
      return content
    } catch (cause) {
      throw new WatcherError('REFERENCE_UNAVAILABLE', 'The reference model did not answer.', {
        details: `${url}: ${describeError(cause)}`,
        cause,
      })
    }
  }
}
