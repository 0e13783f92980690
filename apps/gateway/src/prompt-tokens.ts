import type { EndpointName, ModelConfig } from './config.js'
import { GatewayError } from './errors.js'

// The prompt tokens of a request, counted at the gateway: what a key is charged for a prompt
// the backend never reported (a stream the client left before its usage chunk), and the size
// the hedge delay scales with.
//
// With `models[].tokenizer.gguf` the model's own vocabulary and chat template count exactly
// what a llama.cpp backend prefills (the GGUF file is opened vocabulary-only: no weights in
// memory). Otherwise the estimate below: model-agnostic and on the high side for English.

export type PromptTokenCount = { tokens: number; source: 'tokenizer' | 'estimate' }

/** Bytes of UTF-8 text per estimated token: real BPE vocabularies average 3.5–4.5 on English. */
export const ESTIMATE_BYTES_PER_TOKEN = 3
/** Estimated template tokens per chat message (role markers, separators). */
export const ESTIMATE_TOKENS_PER_MESSAGE = 4
/** Estimated template tokens per chat request (start tokens, a default system prompt). */
export const ESTIMATE_TOKENS_PER_CHAT = 16

type ChatTurn = { role: string; text: string }

const encoder = new TextEncoder()

/**
 * The documented estimate: ⌈UTF-8 bytes / 3⌉ per text, plus 4 per chat message and 16 per
 * chat request; token-ID prompts count exactly.
 */
export function estimatePromptTokens(
  endpoint: EndpointName,
  request: Record<string, unknown>,
): number {
  const count = (text: string) => Math.ceil(encoder.encode(text).length / ESTIMATE_BYTES_PER_TOKEN)
  if (endpoint === 'chat') {
    const turns = readChatTurns(request['messages'])
    let total = ESTIMATE_TOKENS_PER_CHAT
    for (const t of turns) total += ESTIMATE_TOKENS_PER_MESSAGE + count(t.text)
    return total
  }
  return readPrompts(request[endpoint === 'embeddings' ? 'input' : 'prompt']).reduce(
    (sum, p) => sum + (typeof p === 'string' ? count(p) : p.length),
    0,
  )
}

/** Counts prompt tokens per model: its tokenizer when configured, else the estimate. */
export class PromptTokenCounter {
  readonly #tokenizers: Map<string, GgufTokenizer>

  private constructor(tokenizers: Map<string, GgufTokenizer>) {
    this.#tokenizers = tokenizers
  }

  /** Opens the tokenizers the config names (an `INVALID_CONFIG` error if one cannot be read). */
  static async load(models: readonly ModelConfig[]): Promise<PromptTokenCounter> {
    const tokenizers = new Map<string, GgufTokenizer>()
    try {
      for (const [i, model] of models.entries()) {
        if (!model.tokenizer) continue
        try {
          tokenizers.set(model.name, await GgufTokenizer.open(model.tokenizer.gguf))
        } catch (cause) {
          throw new GatewayError('INVALID_CONFIG', 'Cannot open a model tokenizer.', {
            details: `models.${i}.tokenizer.gguf: ${model.tokenizer.gguf}`,
            cause,
          })
        }
      }
    } catch (error) {
      await Promise.all([...tokenizers.values()].map((t) => t.dispose()))
      throw error
    }
    return new PromptTokenCounter(tokenizers)
  }

  /** No tokenizer: the estimate for every model. */
  static estimateOnly(): PromptTokenCounter {
    return new PromptTokenCounter(new Map())
  }

  count(model: string, endpoint: EndpointName, request: Record<string, unknown>): PromptTokenCount {
    const tokenizer = this.#tokenizers.get(model)
    if (tokenizer) {
      try {
        return { tokens: tokenizer.count(endpoint, request), source: 'tokenizer' }
      } catch {
        // A request the template cannot render: the estimate still bounds it.
      }
    }
    return { tokens: estimatePromptTokens(endpoint, request), source: 'estimate' }
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.#tokenizers.values()].map((t) => t.dispose()))
    this.#tokenizers.clear()
  }
}

/** A GGUF model's vocabulary and chat template, through llama.cpp (node-llama-cpp). */
class GgufTokenizer {
  readonly #count: (endpoint: EndpointName, request: Record<string, unknown>) => number
  readonly #dispose: () => Promise<void>

  private constructor(
    count: (endpoint: EndpointName, request: Record<string, unknown>) => number,
    dispose: () => Promise<void>,
  ) {
    this.#count = count
    this.#dispose = dispose
  }

  static async open(path: string): Promise<GgufTokenizer> {
    // Loaded only when a tokenizer is configured: llama.cpp's native library is large.
    const { getLlama, JinjaTemplateChatWrapper, LlamaLogLevel, resolveChatWrapper } = await import(
      'node-llama-cpp'
    )
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error })
    const model = await llama.loadModel({ modelPath: path, vocabOnly: true })
    const template = model.fileInfo.metadata?.tokenizer?.chat_template
    // The template shipped in the GGUF renders the prompt as llama.cpp backends (and vLLM)
    // do; the wrapper matched by architecture is the fallback.
    const wrapper =
      typeof template === 'string' && template.length > 0
        ? new JinjaTemplateChatWrapper({
            template,
            tokenizer: model.tokenizer,
            joinAdjacentMessagesOfTheSameType: false,
            trimLeadingWhitespaceInResponses: false,
          })
        : resolveChatWrapper(model, { warningLogs: false })
    const bos = model.tokens.bos
    const countText = (text: string) => {
      const tokens = model.tokenize(text, true)
      return tokens.length + (model.tokens.shouldPrependBosToken && bos !== null ? 1 : 0)
    }
    const count = (endpoint: EndpointName, request: Record<string, unknown>): number => {
      if (endpoint !== 'chat')
        return readPrompts(request[endpoint === 'embeddings' ? 'input' : 'prompt']).reduce(
          (sum, p) => sum + (typeof p === 'string' ? countText(p) : p.length),
          0,
        )
      const chatHistory = readChatTurns(request['messages']).map((t) =>
        t.role === 'assistant'
          ? { type: 'model' as const, response: [t.text] }
          : { type: t.role === 'system' ? ('system' as const) : ('user' as const), text: t.text },
      )
      chatHistory.push({ type: 'model', response: [] })
      const { contextText } = wrapper.generateContextState({ chatHistory })
      return contextText.tokenize(model.tokenizer).length
    }
    return new GgufTokenizer(count, () => model.dispose())
  }

  count(endpoint: EndpointName, request: Record<string, unknown>): number {
    return this.#count(endpoint, request)
  }

  dispose(): Promise<void> {
    return this.#dispose()
  }
}

/** The chat turns' roles and text (text parts joined; anything else ignored). */
function readChatTurns(messages: unknown): ChatTurn[] {
  if (!Array.isArray(messages)) return []
  const turns: ChatTurn[] = []
  for (const m of messages) {
    if (typeof m !== 'object' || m === null) continue
    const { role, content } = m as { role?: unknown; content?: unknown }
    let text = ''
    if (typeof content === 'string') text = content
    else if (Array.isArray(content))
      text = content
        .map((part) =>
          typeof part === 'object' && part !== null && typeof part.text === 'string'
            ? part.text
            : '',
        )
        .join('')
    turns.push({ role: typeof role === 'string' ? role : 'user', text })
  }
  return turns
}

/** A completion prompt or embedding input as a list: texts, or token-ID arrays. */
function readPrompts(value: unknown): (string | unknown[])[] {
  if (typeof value === 'string') return [value]
  if (!Array.isArray(value)) return []
  if (value.every((v) => typeof v === 'number')) return [value]
  return value.filter((v): v is string | unknown[] => typeof v === 'string' || Array.isArray(v))
}
