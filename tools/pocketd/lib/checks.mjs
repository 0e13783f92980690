// The pass/fail bookkeeping every pocketd check shares: each named step runs once, prints
// `ok` (with an optional note and its duration) or `FAIL` (with the error), and the run ends
// with "N passed, M failed".

/**
 * @returns {{
 *   check: (name: string, body: () => Promise<string | undefined>) => Promise<boolean>,
 *   report: () => number,
 * }}
 */
export function createChecks() {
  const results = { passed: 0, failed: 0 }
  /**
   * @param {string} name
   * @param {() => Promise<string | undefined>} body
   */
  const check = async (name, body) => {
    const started = Date.now()
    try {
      const note = await body()
      results.passed++
      console.log(`ok   ${name}${note ? ` (${note})` : ''} [${Date.now() - started} ms]`)
      return true
    } catch (error) {
      results.failed++
      console.log(`FAIL ${name}: ${error instanceof Error ? error.message : String(error)}`)
      return false
    }
  }
  /** Prints the tally and returns the number of failed checks. */
  const report = () => {
    console.log(`${results.passed} passed, ${results.failed} failed`)
    return results.failed
  }
  return { check, report }
}

/**
 * Runs a check script's `main` (which returns its failed count) and exits non-zero on any
 * failure or thrown error.
 * @param {() => Promise<number>} main
 */
export function runChecks(main) {
  main().then(
    (failed) => process.exit(failed > 0 ? 1 : 0),
    (error) => {
      console.error(error)
      process.exit(1)
    },
  )
}
