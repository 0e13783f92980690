import { type EncodedMessage, type IncludedTx, isChainError } from '@decai/chain'

// Gathers the messages that lifecycle steps send at about the same time (the claims, or the
// proofs, of sessions that end at the same height) into as few transactions as possible, the
// way poktroll's RelayMiner does: N sessions then cost one signature, one simulation and one
// CheckTx instead of N of each, queued one after the other behind the signer's sequence.
//
// A transaction is all-or-nothing: one bad message fails the others with it. The chain names
// the failing message ("message index: N"); that one gets the error and the rest are sent
// again without it. When no message is named, each is sent again on its own, so every message
// ends with its own result.

/** Messages per transaction: proofs are a few kB each, far below the block's byte and gas limits. */
export const MAX_MESSAGES_PER_TX = 16

/** How long a message waits for others to join its transaction, at most. */
export const MAX_BATCH_DELAY_MS = 250

export type TxBatcher = {
  /** Sends `message` in the next transaction; resolves once that transaction is included. */
  send(message: EncodedMessage): Promise<IncludedTx>
  /** Messages waiting to be sent or waiting for their transaction. */
  readonly parked: number
  /** Sends what is waiting if `ready()` now says so (call when a step ends). */
  poke(): void
}

type Item = {
  message: EncodedMessage
  resolve: (tx: IncludedTx) => void
  reject: (error: unknown) => void
}

/**
 * @param sendTx sends one transaction and waits for its inclusion.
 * @param ready whether nothing else is about to join the waiting messages (every other step is
 *   waiting in a batcher or done); until then they wait, at most `maxDelayMs`.
 */
export function createTxBatcher(parameters: {
  sendTx: (messages: EncodedMessage[]) => Promise<IncludedTx>
  ready?: () => boolean
  maxMessages?: number
  maxDelayMs?: number
}): TxBatcher {
  const { sendTx, ready = () => true } = parameters
  const maxMessages = parameters.maxMessages ?? MAX_MESSAGES_PER_TX
  const maxDelayMs = parameters.maxDelayMs ?? MAX_BATCH_DELAY_MS
  let waiting: Item[] = []
  let inFlight = 0
  let timer: ReturnType<typeof setTimeout> | undefined

  const flush = () => {
    if (timer) clearTimeout(timer)
    timer = undefined
    const items = waiting
    waiting = []
    // Chunks are broadcast back to back: the sequence manager signs them in turn without
    // waiting for inclusion in between.
    for (let i = 0; i < items.length; i += maxMessages) {
      const chunk = items.slice(i, i + maxMessages)
      inFlight += chunk.length
      void sendItems(chunk).finally(() => {
        inFlight -= chunk.length
      })
    }
  }

  const sendItems = async (items: Item[]): Promise<void> => {
    try {
      const tx = await sendTx(items.map((i) => i.message))
      for (const i of items) i.resolve(tx)
    } catch (error) {
      if (items.length === 1 || !isRejectedByChain(error)) {
        for (const i of items) i.reject(error)
        return
      }
      const index = getFailedMessageIndex(error)
      if (index !== undefined && index < items.length) {
        items[index]!.reject(error)
        await sendItems(items.filter((_, i) => i !== index))
      } else {
        await Promise.all(items.map((i) => sendItems([i])))
      }
    }
  }

  const poke = () => {
    if (waiting.length > 0 && ready()) flush()
  }

  return {
    send(message) {
      const done = new Promise<IncludedTx>((resolve, reject) => {
        waiting.push({ message, resolve, reject })
      })
      if (waiting.length >= maxMessages || ready()) flush()
      else timer ??= setTimeout(flush, maxDelayMs)
      return done
    },
    get parked() {
      return waiting.length + inFlight
    },
    poke,
  }
}

/** The chain refused the transaction (simulation, CheckTx or its block), rather than not answering. */
function isRejectedByChain(error: unknown): boolean {
  return (
    isChainError(error) &&
    (error.phase === 'simulate' || error.phase === 'check' || error.phase === 'deliver') &&
    error.code !== 'SEQUENCE_MISMATCH'
  )
}

/** The index of the message that failed a transaction, as the chain's log names it. */
export function getFailedMessageIndex(error: unknown): number | undefined {
  if (!isChainError(error)) return undefined
  const match = /message index: (\d+)/.exec(error.log ?? '')
  return match ? Number(match[1]) : undefined
}
