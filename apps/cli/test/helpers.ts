import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

const main = join(import.meta.dirname, '../src/main.ts')
// Resolved here: the child may run in a directory where `tsx` is not resolvable.
const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'))
const tsx = pathToFileURL(join(tsxDir, 'dist/loader.mjs')).href

export type CliRun = { code: number; stdout: string; stderr: string }

/** Runs `decai <args>` in a child process, as a user would. */
export function runDecai(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, main, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, INIT_CWD: options.cwd ?? process.cwd(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`decai ${args.join(' ')} timed out\n${stdout}\n${stderr}`))
    }, options.timeoutMs ?? 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? -1, stdout, stderr })
    })
    child.stdin.end(options.input ?? '')
  })
}
