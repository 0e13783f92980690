// Child processes and the one error type of the pocketd tool.
import { spawn } from 'node:child_process'

/** Stable codes callers branch on. */
export const PocketdErrorCode = /** @type {const} */ ({
  COMMAND_FAILED: 'COMMAND_FAILED',
  PATCH_FAILED: 'PATCH_FAILED',
  NOT_BUILT: 'NOT_BUILT',
  NOT_INITIALIZED: 'NOT_INITIALIZED',
  START_FAILED: 'START_FAILED',
  TIMEOUT: 'TIMEOUT',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
})

export class PocketdError extends Error {
  /**
   * @param {keyof typeof PocketdErrorCode} code
   * @param {string} shortMessage
   * @param {{ details?: string, cause?: unknown }} [options]
   */
  constructor(code, shortMessage, options = {}) {
    super(options.details ? `${shortMessage}\n${options.details}` : shortMessage, {
      cause: options.cause,
    })
    this.name = 'PocketdError'
    this.code = code
    this.shortMessage = shortMessage
    this.details = options.details
  }
}

/** @param {unknown} e */
export function isPocketdError(e) {
  return (
    e instanceof Error &&
    e.name === 'PocketdError' &&
    typeof (/** @type {any} */ (e).code) === 'string'
  )
}

/**
 * Runs a command to completion and returns its output; throws COMMAND_FAILED on a non-zero exit.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, input?: string, echo?: boolean }} [options]
 * @returns {Promise<{ stdout: string, stderr: string }>}
 */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      if (options.echo) process.stderr.write(chunk)
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
      if (options.echo) process.stderr.write(chunk)
    })
    child.on('error', (cause) =>
      reject(new PocketdError('COMMAND_FAILED', `Cannot run ${command}.`, { cause })),
    )
    child.on('close', (code, signal) => {
      if (code === 0) return resolve({ stdout, stderr })
      const shown = [command, ...args].join(' ')
      reject(
        new PocketdError(
          'COMMAND_FAILED',
          `Command failed (${signal ?? `exit ${code}`}): ${shown}`,
          {
            details: tail(`${stderr}\n${stdout}`.trim(), 40),
          },
        ),
      )
    })
    // A command that exits without reading its input closes the pipe: not an error of ours.
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
  })
}

/** The last `lines` lines of a text, for error details. */
export function tail(text, lines) {
  return text.split('\n').slice(-lines).join('\n')
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
