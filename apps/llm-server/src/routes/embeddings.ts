import type { Context } from 'hono'
import { LlmServerError } from '../errors.js'
import { parseJsonBody, readEmbeddingRequest } from '../requests.js'
import { assertModel, type LlmAppContext } from './context.js'

/** `POST /v1/embeddings`: unit-length vectors, as floats or OpenAI's base64. */
export async function handleEmbeddings(ctx: LlmAppContext, c: Context): Promise<Response> {
  const request = readEmbeddingRequest(parseJsonBody(await c.req.text()))
  assertModel(ctx, request.model)
  if (!ctx.engine.embeddingsEnabled) {
    throw new LlmServerError('NOT_FOUND', 'Embeddings are turned off on this server.', {
      details: 'Start it with embeddings enabled (the default; see --no-embeddings).',
    })
  }
  const { vectors, promptTokens } = await ctx.engine.embed(request.inputs)
  ctx.metrics.promptTokens.inc({ endpoint: 'embeddings' }, promptTokens)
  return c.json({
    object: 'list',
    data: vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding:
        request.encodingFormat === 'base64'
          ? encodeFloat32Base64(normalize(vector))
          : normalize(vector),
    })),
    model: ctx.options.modelName,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  })
}

/** Unit length, as OpenAI and llama-server return them, so cosine similarity is a dot product. */
export function normalize(vector: readonly number[]): number[] {
  const norm = Math.hypot(...vector)
  return norm > 0 ? vector.map((v) => v / norm) : [...vector]
}

/** OpenAI's base64 format: the float32 values, little-endian, base64-encoded. */
export function encodeFloat32Base64(vector: readonly number[]): string {
  const bytes = new DataView(new ArrayBuffer(vector.length * 4))
  vector.forEach((v, i) => {
    bytes.setFloat32(i * 4, v, true)
  })
  return Buffer.from(bytes.buffer).toString('base64')
}
