// Model identity from greedy challenges. A supplier running the claimed GGUF through llama.cpp
// answers a temperature-0 prompt with the reference's text; another machine may drift after a
// near-tie between two tokens (a tiny numeric difference), which changes the tail of an answer,
// not its start. So each challenge is scored by where the answer first leaves the reference
// (in words, which do not depend on how a backend splits its stream), and a challenge "agrees"
// when that point lies past a share of the reference. Over many challenges the count of agreeing
// ones is tested against two binomial hypotheses: an honest supplier agrees on at least
// `honestAgreement` of them, a substitute on at most `substituteAgreement`.

export type VerdictParameters = {
  honestAgreement: number
  substituteAgreement: number
  alpha: number
  prefixAgreement: number
}

export type Comparison = {
  /** Index of the first word where the answer leaves the reference (= length if none). */
  firstDivergence: number
  referenceWords: number
  answerWords: number
  /** Shared prefix over the longer of the two, 0…1. */
  agreement: number
  agrees: boolean
}

export type Verdict = 'match' | 'mismatch' | 'inconclusive'

export type VerdictResult = {
  verdict: Verdict
  /** 1 − the p-value of the test that decided (for `inconclusive`, of the closer one). */
  confidence: number
  samples: number
  agreed: number
  /** P(this few agreements or fewer | honest). */
  pHonest: number
  /** P(this many agreements or more | substitute). */
  pSubstitute: number
}

/** Words and punctuation marks, whitespace dropped. */
export function splitWords(text: string): string[] {
  return text.match(/[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? []
}

/** Scores an answer against the reference answer of the claimed model. */
export function compareAnswer(
  reference: string,
  answer: string,
  parameters: Pick<VerdictParameters, 'prefixAgreement'>,
): Comparison {
  const a = splitWords(reference)
  const b = splitWords(answer)
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  const longest = Math.max(a.length, b.length)
  const exact = i === a.length && i === b.length
  return {
    firstDivergence: i,
    referenceWords: a.length,
    answerWords: b.length,
    agreement: longest === 0 ? 1 : i / longest,
    agrees: exact || (a.length > 0 && i >= Math.ceil(parameters.prefixAgreement * a.length)),
  }
}

/** P(X ≤ k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0
  if (k >= n) return 1
  let term = (1 - p) ** n
  let sum = term
  for (let i = 1; i <= k; i++) {
    term *= ((n - i + 1) / i) * (p / (1 - p))
    sum += term
  }
  return Math.min(1, sum)
}

/** The verdict from the agreement of each challenge. */
export function decideVerdict(
  agreements: readonly boolean[],
  parameters: VerdictParameters,
): VerdictResult {
  const n = agreements.length
  const k = agreements.filter(Boolean).length
  const pHonest = binomialCdf(k, n, parameters.honestAgreement)
  const pSubstitute = 1 - binomialCdf(k - 1, n, parameters.substituteAgreement)
  const round = (x: number) => Number(x.toFixed(6))
  const base = { samples: n, agreed: k, pHonest: round(pHonest), pSubstitute: round(pSubstitute) }
  if (n > 0 && pHonest < parameters.alpha)
    return { verdict: 'mismatch', confidence: round(1 - pHonest), ...base }
  if (n > 0 && pSubstitute < parameters.alpha)
    return { verdict: 'match', confidence: round(1 - pSubstitute), ...base }
  return { verdict: 'inconclusive', confidence: round(1 - Math.min(pHonest, pSubstitute)), ...base }
}
