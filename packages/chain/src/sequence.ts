/** The signer data a transaction is signed with. */
export type SequenceSlot = {
  readonly accountNumber: bigint
  readonly sequence: bigint
}

/** What a task run under the sequence lock reports back. */
export type SequenceTaskResult<T> = {
  value: T
  /** The sequence the accepted transaction used; the next task gets this plus one. */
  usedSequence: bigint
}

export type SequenceManager = {
  /**
   * Runs `task` alone (tasks queue in call order) with the next sequence to use. The task may
   * call `resync` to learn the chain's sequence after a mismatch. When it returns, the next
   * sequence is `usedSequence + 1`; when it throws, the local sequence is kept if the error is
   * known not to have consumed it (`keepsSequence`), and otherwise forgotten and refetched.
   */
  run<T>(
    task: (
      slot: SequenceSlot,
      resync: (expected?: bigint) => Promise<SequenceSlot>,
    ) => Promise<SequenceTaskResult<T>>,
  ): Promise<T>
  /** Forgets the local sequence; the next task refetches it from the chain. */
  invalidate(): void
  /** The next sequence as tracked locally, if known. */
  peek(): SequenceSlot | undefined
}

/**
 * Tracks one signer's account number and next sequence locally, so a signer can have many
 * transactions in the mempool at once (each accepted by `CheckTx` before the next is signed),
 * instead of waiting for each to be included.
 *
 * @example
 * const sequences = createSequenceManager({ fetchAccount: () => client.getAccount({ address }) })
 */
export function createSequenceManager(parameters: {
  fetchAccount: () => Promise<SequenceSlot>
  keepsSequence?: ((error: unknown) => boolean) | undefined
}): SequenceManager {
  const { fetchAccount, keepsSequence = () => false } = parameters
  let state: SequenceSlot | undefined
  let tail: Promise<unknown> = Promise.resolve()

  const resync = async (expected?: bigint): Promise<SequenceSlot> => {
    const account = await fetchAccount()
    // The chain's committed sequence lags behind our own transactions still in the mempool;
    // the node's "expected N" accounts for them, so it wins when given.
    state = {
      accountNumber: account.accountNumber,
      sequence: expected ?? account.sequence,
    }
    return state
  }

  const run = <T>(
    task: (
      slot: SequenceSlot,
      resync: (expected?: bigint) => Promise<SequenceSlot>,
    ) => Promise<SequenceTaskResult<T>>,
  ): Promise<T> => {
    const result = tail.then(async () => {
      const slot = state ?? (await resync())
      try {
        const { value, usedSequence } = await task(slot, resync)
        state = { accountNumber: (state ?? slot).accountNumber, sequence: usedSequence + 1n }
        return value
      } catch (error) {
        if (!keepsSequence(error)) state = undefined
        throw error
      }
    })
    // The queue continues whatever this task did.
    tail = result.catch(() => {})
    return result
  }

  return {
    run,
    invalidate: () => {
      state = undefined
    },
    peek: () => state,
  }
}
