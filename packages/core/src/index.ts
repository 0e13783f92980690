export {
  BaseError,
  type BaseErrorParameters,
  createErrorGuard,
  describeError,
  docsBaseUrl,
  isBaseError,
} from './base-error.js'
export { equalBytes } from './bytes.js'
