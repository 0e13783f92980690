import { describeError, equalBytes } from '@decai/core'
import {
  deserializeRingSignature,
  hexToBytes,
  pubkeyToAddress,
  type RingSignature,
  ringVerify,
  verifySecp256k1,
} from '@decai/crypto'
import { POKTHTTPRequestSchema, unmarshal } from '@decai/protocol'
import { getRelayRequestSignableBytesHash, parseRelayRequest } from '@decai/session'
import { verifyAnswer } from './answer.js'
import { WatcherError } from './errors.js'
import { getReportSignableBytes, reportSchema, type WatcherReport } from './report.js'
import { compareAnswer, decideVerdict } from './statistic.js'

// Offline verification of a report, with no chain and no model: the watcher's signature, then
// for every challenge the supplier-signed relay bytes (signature, session header, stream hash
// chain) and the answer they carry, then the statistic and verdict recomputed from those
// answers and the stated reference answers. What it cannot check offline: that the sessions
// were on chain (the session IDs can be looked up) and the reference answers themselves
// (anyone with the GGUF named by `referenceSha256` can recompute them).

export type VerifyReportOptions = {
  /** Require this watcher address. */
  watcher?: string
}

export type VerifyReportResult = {
  report: WatcherReport
  entries: number
  challenges: number
}

/** Verifies a report given as JSON text or a parsed value; throws a typed `WatcherError`. */
export function verifyReport(
  input: unknown,
  options: VerifyReportOptions = {},
): VerifyReportResult {
  let value = input
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input)
    } catch (cause) {
      throw new WatcherError('REPORT_MALFORMED', 'The report is not JSON.', { cause })
    }
  }
  if (
    typeof value === 'object' &&
    value !== null &&
    (value as { format?: unknown }).format !== undefined &&
    (value as { signature?: unknown }).signature === undefined
  )
    throw new WatcherError('REPORT_UNSIGNED', 'The report carries no signature.')
  const parsed = reportSchema.safeParse(value)
  if (!parsed.success)
    throw new WatcherError('REPORT_MALFORMED', 'The report is not in the watcher report format.', {
      details: parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; '),
    })
  const report = parsed.data
  if (report.signature === undefined)
    throw new WatcherError('REPORT_UNSIGNED', 'The report carries no signature.')

  const publicKey = hexToBytes(report.watcher.publicKey)
  let address: string
  try {
    address = pubkeyToAddress(publicKey)
  } catch (cause) {
    throw new WatcherError('REPORT_SIGNATURE_INVALID', 'The watcher key is not a public key.', {
      cause,
    })
  }
  if (address !== report.watcher.address || (options.watcher && options.watcher !== address))
    throw new WatcherError(
      'REPORT_SIGNATURE_INVALID',
      'The report is not from the expected watcher.',
      {
        details: `key ${address}, stated ${report.watcher.address}${options.watcher ? `, expected ${options.watcher}` : ''}`,
      },
    )
  if (!verifySecp256k1(hexToBytes(report.signature), getReportSignableBytes(report), publicKey))
    throw new WatcherError('REPORT_SIGNATURE_INVALID', "The watcher's signature does not verify.")

  let challenges = 0
  for (const entry of report.entries) {
    const where = `${entry.serviceId}/${entry.supplier}`
    for (const c of entry.challenges) {
      challenges++
      const at = `${where} probe ${c.probeId}`
      const supplierPublicKey = hexToBytes(c.evidence.supplierPublicKey)
      const evidenceError = (message: string, details: string, cause?: unknown) =>
        new WatcherError('REPORT_EVIDENCE_INVALID', message, {
          details: `${at}: ${details}`,
          cause,
        })
      let keyAddress: string
      try {
        keyAddress = pubkeyToAddress(supplierPublicKey)
      } catch (cause) {
        throw evidenceError('A supplier key is not a public key.', describeError(cause), cause)
      }
      if (keyAddress !== entry.supplier)
        throw evidenceError('The evidence is signed by another supplier.', keyAddress)
      let request: ReturnType<typeof parseRelayRequest>
      try {
        request = parseRelayRequest(hexToBytes(c.evidence.request))
      } catch (cause) {
        throw evidenceError('A relay request does not parse.', describeError(cause), cause)
      }
      const header = request.meta?.sessionHeader
      if (
        !header ||
        header.sessionId !== c.sessionId ||
        header.serviceId !== entry.serviceId ||
        header.applicationAddress !== c.application ||
        request.meta?.supplierOperatorAddress !== entry.supplier ||
        request.meta.signature.length === 0
      )
        throw evidenceError(
          'A relay request is not for the stated session and supplier.',
          c.sessionId,
        )
      // The probe was ring-signed by a ring holding the watcher's key: a relay like the
      // gateway's, which the supplier had to accept without knowing who signed it.
      let ringSignature: RingSignature
      try {
        ringSignature = deserializeRingSignature(request.meta.signature)
      } catch (cause) {
        throw evidenceError('A probe has no valid ring signature.', describeError(cause), cause)
      }
      if (!ringVerify(ringSignature, getRelayRequestSignableBytesHash(request)))
        throw evidenceError("A probe's ring signature does not verify.", c.sessionId)
      if (!ringSignature.ring.some((key) => equalBytes(key, publicKey)))
        throw evidenceError("The watcher's key is not in a probe's ring.", c.sessionId)
      let answer: ReturnType<typeof verifyAnswer>
      try {
        answer = verifyAnswer({
          request,
          response: hexToBytes(c.evidence.response),
          streamed: c.evidence.streamed,
          supplierOperatorAddress: entry.supplier,
          supplierPublicKey,
        })
      } catch (cause) {
        throw evidenceError(
          "A supplier's relay response does not verify.",
          describeError(cause),
          cause,
        )
      }
      if (answer.text !== c.answer)
        throw new WatcherError(
          'REPORT_STATISTIC_MISMATCH',
          'A stated answer is not the signed one.',
          {
            details: at,
          },
        )
      const comparison = compareAnswer(c.reference, answer.text, report.verdictParameters)
      if (comparison.agrees !== c.agrees || comparison.firstDivergence !== c.firstDivergence)
        throw new WatcherError(
          'REPORT_STATISTIC_MISMATCH',
          'A challenge score does not recompute.',
          {
            details: at,
          },
        )
      // The evidence is the request the probe sent: greedy, for this prompt budget.
      if (!isGreedyRequest(request.payload, c.maxTokens))
        throw evidenceError(
          'A challenge was not sent greedy.',
          'temperature 0 and max_tokens expected',
        )
    }
    const verdict = decideVerdict(
      entry.challenges.map((c) => c.agrees),
      report.verdictParameters,
    )
    if (
      verdict.verdict !== entry.verdict ||
      verdict.samples !== entry.samples ||
      verdict.agreed !== entry.agreed ||
      verdict.confidence !== entry.confidence
    )
      throw new WatcherError(
        'REPORT_STATISTIC_MISMATCH',
        'A verdict does not recompute from its challenges.',
        {
          details: `${where}: stated ${entry.verdict} (${entry.agreed}/${entry.samples}, ${entry.confidence}), recomputed ${verdict.verdict} (${verdict.agreed}/${verdict.samples}, ${verdict.confidence})`,
        },
      )
  }
  return { report, entries: report.entries.length, challenges }
}

/** Whether a relay payload holds a chat request with temperature 0 and this `max_tokens`. */
function isGreedyRequest(payload: Uint8Array, maxTokens: number): boolean {
  try {
    const http = unmarshal(POKTHTTPRequestSchema, payload)
    const body = JSON.parse(new TextDecoder().decode(http.bodyBz)) as Record<string, unknown>
    return body['temperature'] === 0 && body['max_tokens'] === maxTokens
  } catch {
    return false
  }
}
