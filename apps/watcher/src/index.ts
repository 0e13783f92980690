export { type VerifiedAnswer, verifyAnswer } from './answer.js'
export {
  loadWatcherConfig,
  parseWatcherConfig,
  type WatchedService,
  type WatcherConfig,
  type WatcherConfigInput,
  watcherConfigSchema,
} from './config.js'
export { type CorpusPrompt, corpus } from './corpus.js'
export { isWatcherError, WatcherError, type WatcherErrorCode, watcherErrorCodes } from './errors.js'
export { buildProbeBody, type ProbeOutcome, sendProbe } from './probe.js'
export { hashFile } from './reference.js'
export {
  buildReport,
  canonicalJson,
  getReportSignableBytes,
  REPORT_FORMAT,
  type ReportEntry,
  summarizeReport,
  type WatcherReport,
} from './report.js'
export {
  binomialCdf,
  compareAnswer,
  decideVerdict,
  splitWords,
  type Verdict,
  type VerdictParameters,
} from './statistic.js'
export type { ProbeRecord } from './store.js'
export { type VerifyReportOptions, type VerifyReportResult, verifyReport } from './verify.js'
export {
  type ProbeParameters,
  type StartWatcherOptions,
  startWatcher,
  type Watcher,
} from './watcher.js'
