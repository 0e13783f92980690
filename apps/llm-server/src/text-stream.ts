// Turns the growing decoded text of a generation into safe-to-send deltas, and applies the
// request's stop sequences. Two things must never reach the client early:
//   - a trailing U+FFFD: the last token ended inside a multi-byte UTF-8 character, and the next
//     token completes it;
//   - a tail that could still grow into a stop sequence, because stop text is never returned.

export type TextUpdate = {
  /** Text that may be sent now. */
  delta: string
  /** A stop sequence matched; the output ends before it. */
  stopped: boolean
}

export class TextStream {
  readonly #stops: readonly string[]
  #sent = 0
  #final: string | undefined

  constructor(stops: readonly string[]) {
    this.#stops = stops
  }

  /** Everything sent so far (the whole output once stopped or finished). */
  get text(): string {
    return this.#final ?? ''
  }

  /** Feeds the full text decoded so far; returns what can be sent now. */
  update(fullText: string): TextUpdate {
    const stopAt = this.#findStop(fullText)
    if (stopAt !== undefined) return { delta: this.#sendUpTo(fullText, stopAt), stopped: true }
    const safeEnd = fullText.length - this.#holdBack(fullText)
    return { delta: this.#sendUpTo(fullText, safeEnd), stopped: false }
  }

  /** Generation ended without a stop sequence: send whatever was held back. */
  finish(fullText: string): string {
    const stopAt = this.#findStop(fullText)
    return this.#sendUpTo(fullText, stopAt ?? fullText.length)
  }

  #sendUpTo(fullText: string, end: number): string {
    const to = Math.max(end, this.#sent)
    const delta = fullText.slice(this.#sent, to)
    this.#sent = to
    this.#final = fullText.slice(0, to)
    return delta
  }

  #findStop(text: string): number | undefined {
    let first: number | undefined
    for (const stop of this.#stops) {
      const at = text.indexOf(stop)
      if (at >= 0 && (first === undefined || at < first)) first = at
    }
    return first
  }

  // Length of the tail that must wait for the next token.
  #holdBack(text: string): number {
    let partialChar = 0
    while (partialChar < text.length && text[text.length - 1 - partialChar] === '\uFFFD') {
      partialChar++
    }
    let stopPrefix = 0
    for (const stop of this.#stops) {
      for (let k = Math.min(stop.length - 1, text.length); k > stopPrefix; k--) {
        if (text.endsWith(stop.slice(0, k))) {
          stopPrefix = k
          break
        }
      }
    }
    return Math.max(partialChar, stopPrefix)
  }
}
