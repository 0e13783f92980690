export {
  BaseError,
  type BaseErrorParameters,
  createErrorGuard,
  docsBaseUrl,
  isBaseError,
} from './base-error.js'
export { equalBytes } from './bytes.js'
