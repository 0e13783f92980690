// JSON nesting depth, measured before anything walks the value. `JSON.parse` copes with any
// depth, but what comes after it does not: `JSON.stringify` and `structuredClone` recurse and
// overflow the stack a few thousand levels down (a `RangeError`, which would surface as a 500),
// and validators recurse too. So the apps refuse bodies nested deeper than a fixed limit, with a
// 400 that says so, before parsing them.

/**
 * The deepest nesting the apps accept in a request body: far above what an OpenAI request needs
 * (a tool's JSON schema nested a dozen objects deep is about 30 levels), far below the stack.
 */
export const MAX_JSON_DEPTH = 100

/**
 * Whether JSON text nests arrays and objects deeper than `maxDepth`. One pass over the text, no
 * recursion; brackets inside strings do not count. The text need not be valid JSON (the parser
 * still has the last word), so the check can run first.
 */
export function exceedsJsonDepth(text: string, maxDepth: number = MAX_JSON_DEPTH): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c /* \ */) i++
      else if (c === 0x22 /* " */) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > maxDepth) return true
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--
  }
  return false
}
