// biome-ignore-all lint/performance/noBarrelFile: the entry point of the `./go-compat` subpath export
// `@decai/session/go-compat`: the Go-compatibility plumbing under the protocol rules, bit-exact
// ports of Go's `math/rand`, `binary.Varint` and `http.CanonicalHeaderKey` and poktroll's seeded
// draws. Applications do not need them (the rules that use them are in the main entry); tools
// that reproduce the chain's arithmetic or check it against Go do.
export { createGoRand, type GoRand } from './go-rand.js'
export { canonicalHeaderKey } from './http.js'
export { readGoVarint, seededFloat64, seededInt63 } from './seeded-rand.js'
