import { LlmServerError } from './errors.js'

// Generations in flight, so that a stopping server can abort them all and wait until they have
// let go of their sequences; and the mark that tells "the client left" apart from a deadline or a
// shutdown (which the client should still hear about).

export type Generations = {
  /**
   * Starts tracking one generation under a deadline and the client's signal. `finish` must be
   * called once it is over (success or not).
   */
  begin(clientSignal: AbortSignal): { controller: AbortController; finish: () => void }
  /** Stops every generation in flight and resolves when each has finished. */
  abortAll(reason: LlmServerError): Promise<void>
}

export function createGenerations(requestTimeoutMs: number): Generations {
  const inFlight = new Map<AbortController, Promise<void>>()
  return {
    begin(clientSignal) {
      const controller = new AbortController()
      const timer = setTimeout(
        () =>
          controller.abort(
            new LlmServerError('TIMEOUT', 'The request ran past its deadline.', {
              details: `${requestTimeoutMs} ms`,
            }),
          ),
        requestTimeoutMs,
      )
      const onClientGone = () => controller.abort(clientDisconnected())
      if (clientSignal.aborted) onClientGone()
      else clientSignal.addEventListener('abort', onClientGone, { once: true })
      let settle: () => void = () => {}
      inFlight.set(
        controller,
        new Promise<void>((resolve) => {
          settle = resolve
        }),
      )
      const finish = () => {
        clearTimeout(timer)
        clientSignal.removeEventListener('abort', onClientGone)
        inFlight.delete(controller)
        settle()
      }
      return { controller, finish }
    },
    async abortAll(reason) {
      const pending = [...inFlight.entries()]
      for (const [controller] of pending) controller.abort(reason)
      await Promise.all(pending.map(([, done]) => done))
    },
  }
}

const disconnections = new WeakSet<object>()

/** The abort reason for a client that went away. */
export function clientDisconnected(): LlmServerError {
  const error = new LlmServerError('ABORTED', 'The client disconnected.')
  disconnections.add(error)
  return error
}

/** Whether a generation was stopped because nobody is listening any more. */
export function isClientGone(controller: AbortController): boolean {
  const reason: unknown = controller.signal.reason
  return (
    controller.signal.aborted &&
    typeof reason === 'object' &&
    reason !== null &&
    disconnections.has(reason)
  )
}
