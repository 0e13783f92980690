import { inspectChunk, type Usage } from '@decai/app-kit/openai'
import type { SseEvent } from '@decai/app-kit/sse'
import type { ClientStream } from './client-stream.js'

// What the client was sent of an answer: usage, content chunks and when the first and last
// tokens went out. The timing feeds the router (TTFT, decode rate) and the request's metrics.

export class AnswerTally {
  usage: Usage | undefined
  /** Content chunks forwarded (a token estimate when usage is missing). */
  contentChunks = 0
  firstTokenAt: number | undefined
  lastContentAt: number | undefined
  sawDone = false

  /** `stripUsage`: drop the usage-only chunk (the gateway asked for usage, the client did not). */
  constructor(readonly stripUsage: boolean) {}

  /** Reads one verified event on its way to the client, and forwards it unless dropped. */
  forward(e: SseEvent, client: ClientStream): void {
    if (e.data !== undefined) {
      const info = inspectChunk(e.data)
      if (info.usage) this.usage = info.usage
      if (info.done) this.sawDone = true
      if (this.stripUsage && info.usageOnly) return
      if (info.hasContent) {
        this.contentChunks++
        this.lastContentAt = performance.now()
        this.firstTokenAt ??= this.lastContentAt
      }
    }
    client.write(e.raw)
  }

  /** Completion tokens: as reported, else the content chunks counted. */
  get completionTokens(): number {
    return this.usage?.completionTokens ?? this.contentChunks
  }

  /** Seconds from the first token to the last, 0 before two tokens. */
  get decodeSeconds(): number {
    return this.firstTokenAt !== undefined && this.lastContentAt !== undefined
      ? (this.lastContentAt - this.firstTokenAt) / 1000
      : 0
  }

  /** The decode rate after the first token, if measurable. */
  get tokensPerSecond(): number | undefined {
    const completion = this.completionTokens
    const seconds = this.decodeSeconds
    return completion > 1 && seconds > 0 ? (completion - 1) / seconds : undefined
  }

  /** Seconds per output token after the first, if measurable. */
  get timePerOutputToken(): number | undefined {
    const completion = this.completionTokens
    if (this.firstTokenAt === undefined || this.lastContentAt === undefined || completion <= 1)
      return undefined
    return (this.lastContentAt - this.firstTokenAt) / 1000 / (completion - 1)
  }
}
