import { randomInt } from 'node:crypto'
import {
  type ChatHistoryItem,
  type ChatWrapper,
  getLlama,
  JinjaTemplateChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaEmbeddingContext,
  LlamaLogLevel,
  type LlamaModel,
  resolveChatWrapper,
  type Token,
} from 'node-llama-cpp'
import { LlmServerError } from './errors.js'
import type { ChatMessage } from './requests.js'
import { type Lease, SlotPool } from './slot-pool.js'
import { TextStream } from './text-stream.js'

export type EngineOptions = {
  modelPath: string
  /** CPU threads per evaluation. */
  threads: number
  /** Tokens each sequence can hold (prompt plus completion). */
  contextSize: number
  /** Context sequences, i.e. requests generated at the same time. */
  parallel: number
  maxQueue: number
  queueTimeoutMs: number
  embeddings: boolean
}

export type GenerateInput = {
  promptTokens: readonly Token[]
  maxTokens: number
  temperature: number
  topP: number
  seed: number | undefined
  stop: readonly string[]
  frequencyPenalty: number
  presencePenalty: number
  ignoreEos: boolean
}

export type FinishReason = 'stop' | 'length'

export type GenerateResult = {
  /** The whole completion, without stop text. */
  text: string
  finishReason: FinishReason
  promptTokens: number
  /** Every sampled token, including the end-of-generation token when one ended the output. */
  completionTokens: number
}

export type GenerateHooks = {
  signal: AbortSignal
  /** Called with each piece of text as soon as it is safe to send. */
  onDelta?: ((delta: string) => void) | undefined
  /** Called as each token is sampled (before it is decoded), with the count so far. */
  onToken?: ((count: number) => void) | undefined
}

export type EmbedResult = { vectors: number[][]; promptTokens: number }

// One llama.cpp binding per process; every server in it shares it (and its thread budget).
let llamaPromise: Promise<Llama> | undefined

function loadLlama(): Promise<Llama> {
  llamaPromise ??= getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error }).catch(
    (error) => {
      llamaPromise = undefined
      throw error
    },
  )
  return llamaPromise
}

/** A loaded model with its generation sequences and (lazily) an embedding context. */
export class LlmEngine {
  readonly model: LlamaModel
  readonly contextSize: number
  readonly #context: LlamaContext
  readonly #pool: SlotPool<LlamaContextSequence>
  readonly #chatWrapper: ChatWrapper
  readonly #options: EngineOptions
  #embedding: Promise<LlamaEmbeddingContext> | undefined
  #embeddingQueue: Promise<unknown> = Promise.resolve()

  private constructor(model: LlamaModel, context: LlamaContext, options: EngineOptions) {
    this.model = model
    this.#context = context
    this.#options = options
    const sequences = Array.from({ length: options.parallel }, () => context.getSequence())
    this.contextSize = sequences[0]?.contextSize ?? options.contextSize
    this.#pool = new SlotPool(sequences, {
      maxQueue: options.maxQueue,
      queueTimeoutMs: options.queueTimeoutMs,
    })
    this.#chatWrapper = selectChatWrapper(model)
  }

  static async load(options: EngineOptions): Promise<LlmEngine> {
    const llama = await loadLlama()
    const model = await llama.loadModel({ modelPath: options.modelPath }).catch((cause) => {
      throw new LlmServerError('INTERNAL', 'Could not load the model.', {
        details: options.modelPath,
        cause,
      })
    })
    try {
      const context = await model.createContext({
        contextSize: options.contextSize,
        sequences: options.parallel,
        threads: options.threads,
      })
      return new LlmEngine(model, context, options)
    } catch (error) {
      await model.dispose()
      throw error
    }
  }

  get busy(): number {
    return this.#pool.busy
  }

  get queued(): number {
    return this.#pool.queued
  }

  get parallel(): number {
    return this.#pool.size
  }

  get embeddingsEnabled(): boolean {
    return this.#options.embeddings
  }

  /** The prompt exactly as the model's chat template renders it, with the assistant turn open. */
  tokenizeChat(messages: readonly ChatMessage[]): Token[] {
    const history: ChatHistoryItem[] = messages.map((m) =>
      m.role === 'assistant'
        ? { type: 'model', response: [m.content] }
        : { type: m.role, text: m.content },
    )
    history.push({ type: 'model', response: [] })
    const { contextText } = this.#chatWrapper.generateContextState({ chatHistory: history })
    return contextText.tokenize(this.model.tokenizer)
  }

  /** A raw completion prompt: text (with BOS when the model wants one) or token IDs as given. */
  tokenizePrompt(prompt: string | readonly number[]): Token[] {
    if (typeof prompt !== 'string') {
      const vocabulary = this.#vocabularySize()
      const bad = prompt.find((t) => t < 0 || t >= vocabulary)
      if (bad !== undefined) {
        throw new LlmServerError('INVALID_PARAMETER', `Token ID ${bad} is out of range.`, {
          param: 'prompt',
          details: `The vocabulary has ${vocabulary} tokens.`,
        })
      }
      return prompt as Token[]
    }
    // Special-token text such as `<|im_start|>` becomes the special token, as in vLLM and
    // llama-server, so a hand-templated prompt matches the chat endpoint token for token.
    const tokens = this.model.tokenize(prompt, true)
    const bos = this.model.tokens.bos
    if (this.model.tokens.shouldPrependBosToken && bos !== null && tokens[0] !== bos) {
      tokens.unshift(bos)
    }
    return tokens
  }

  detokenize(tokens: readonly Token[]): string {
    return this.model.detokenize(tokens, false)
  }

  /** The completion budget: what was asked for, or the rest of the context. */
  resolveMaxTokens(promptLength: number, requested: number | undefined): number {
    if (promptLength === 0) {
      throw new LlmServerError('INVALID_PARAMETER', 'The prompt is empty.', { param: 'prompt' })
    }
    const room = this.contextSize - promptLength
    if (room < 1 || (requested !== undefined && requested > room)) {
      throw new LlmServerError(
        'CONTEXT_LENGTH_EXCEEDED',
        `This model's context is ${this.contextSize} tokens; the prompt has ${promptLength}` +
          (requested !== undefined ? ` and ${requested} completion tokens were requested.` : '.'),
        { param: requested !== undefined ? 'max_tokens' : 'messages' },
      )
    }
    return requested ?? room
  }

  /** Waits for a free sequence (bounded queue: OVERLOADED when full, TIMEOUT when slow). */
  acquire(signal?: AbortSignal): Promise<Lease<LlamaContextSequence>> {
    return this.#pool.acquire(signal)
  }

  /**
   * Runs one generation on a leased sequence. The sequence starts empty every time, so the same
   * prompt and sampling give the same tokens (no reuse of another request's cached prefix).
   */
  async generate(
    lease: Lease<LlamaContextSequence>,
    input: GenerateInput,
    hooks: GenerateHooks,
  ): Promise<GenerateResult> {
    const sequence = lease.item
    await sequence.clearHistory()
    const generated: Token[] = []
    const text = new TextStream(input.stop)
    const decode = () => this.model.detokenize(generated, false, input.promptTokens)
    const penalised = input.frequencyPenalty !== 0 || input.presencePenalty !== 0
    let finishReason: FinishReason = 'length'
    let stopped = false

    const tokens = sequence.evaluate([...input.promptTokens], {
      temperature: input.temperature,
      topP: input.topP,
      // OpenAI's sampling has no top-k or min-p: turn llama.cpp's defaults off.
      topK: 0,
      minP: 0,
      seed: input.seed ?? randomInt(2 ** 32 - 1),
      yieldEogToken: true,
      ...(penalised && {
        repeatPenalty: {
          punishTokens: () => generated,
          penalty: 1,
          frequencyPenalty: input.frequencyPenalty,
          presencePenalty: input.presencePenalty,
        },
      }),
    })
    for await (const token of tokens) {
      generated.push(token)
      hooks.onToken?.(generated.length)
      if (hooks.signal.aborted) break
      if (!input.ignoreEos && this.model.isEogToken(token)) {
        finishReason = 'stop'
        break
      }
      const update = text.update(decode())
      if (update.delta) hooks.onDelta?.(update.delta)
      if (update.stopped) {
        finishReason = 'stop'
        stopped = true
        break
      }
      if (generated.length >= input.maxTokens) break
    }
    if (hooks.signal.aborted) throw abortReason(hooks.signal, generated.length)
    if (!stopped) {
      const rest = text.finish(decode())
      if (rest) hooks.onDelta?.(rest)
    }
    return {
      text: text.text,
      finishReason,
      promptTokens: input.promptTokens.length,
      completionTokens: generated.length,
    }
  }

  /** Embeddings from llama.cpp's embedding output of this model, one input at a time. */
  async embed(inputs: ReadonlyArray<string | readonly number[]>): Promise<EmbedResult> {
    if (!this.#options.embeddings) {
      throw new LlmServerError('NOT_FOUND', 'Embeddings are turned off on this server.')
    }
    const run = this.#embeddingQueue.then(async () => {
      const context = await this.#embeddingContext()
      const vectors: number[][] = []
      let promptTokens = 0
      for (const input of inputs) {
        const tokens = typeof input === 'string' ? input : this.tokenizePrompt(input)
        const length = context.calculateInputLength(tokens as string | Token[])
        if (length >= this.contextSize) {
          throw new LlmServerError(
            'CONTEXT_LENGTH_EXCEEDED',
            `An input has ${length} tokens; this model's context is ${this.contextSize}.`,
            { param: 'input' },
          )
        }
        const embedding = await context.getEmbeddingFor(tokens as string | Token[])
        vectors.push([...embedding.vector])
        promptTokens += length
      }
      return { vectors, promptTokens }
    })
    this.#embeddingQueue = run.catch(() => undefined)
    return run
  }

  /** Refuses queued requests, then frees the context and the model. */
  async dispose(): Promise<void> {
    this.#pool.close()
    const embedding = await this.#embedding?.catch(() => undefined)
    await embedding?.dispose()
    await this.#context.dispose()
    await this.model.dispose()
  }

  #embeddingContext(): Promise<LlamaEmbeddingContext> {
    this.#embedding ??= this.model
      .createEmbeddingContext({ contextSize: this.contextSize, threads: this.#options.threads })
      .catch((cause) => {
        this.#embedding = undefined
        throw new LlmServerError('INTERNAL', 'This model cannot produce embeddings.', { cause })
      })
    return this.#embedding
  }

  #vocabularySize(): number {
    const tokens = this.model.fileInfo.metadata?.tokenizer?.ggml?.tokens
    return Array.isArray(tokens) ? tokens.length : Number.MAX_SAFE_INTEGER
  }
}

// The template shipped in the GGUF renders prompts exactly as the model's own tokenizer config
// does (and as vLLM and llama-server do); the built-in wrappers are the fallback.
function selectChatWrapper(model: LlamaModel): ChatWrapper {
  const template = model.fileInfo.metadata?.tokenizer?.chat_template
  if (typeof template === 'string' && template.length > 0) {
    try {
      const wrapper = new JinjaTemplateChatWrapper({
        template,
        tokenizer: model.tokenizer,
        joinAdjacentMessagesOfTheSameType: false,
        trimLeadingWhitespaceInResponses: false,
      })
      // Render once so a template the wrapper cannot handle fails here, not per request.
      wrapper.generateContextState({
        chatHistory: [
          { type: 'user', text: 'x' },
          { type: 'model', response: [] },
        ],
      })
      return wrapper
    } catch {
      // Fall through to the wrapper matched by architecture and file name.
    }
  }
  return resolveChatWrapper(model, { warningLogs: false })
}

function abortReason(signal: AbortSignal, generated: number): unknown {
  const reason: unknown = signal.reason
  if (reason instanceof LlmServerError) return reason
  return new LlmServerError('ABORTED', 'Generation was aborted.', {
    details: `after ${generated} tokens`,
    cause: reason,
  })
}
