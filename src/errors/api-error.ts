import { errorCatalogue, type ErrorCode } from './catalogue.js'

export interface ApiErrorOptions {
  /** Fields added to the envelope beside message, error_code and correlationId. */
  extra?: Record<string, unknown>
  /** Reply headers the status requires (`Retry-After`, `Upgrade`, `Allow`, ...). */
  headers?: Record<string, string>
  cause?: unknown
}

/**
 * An error that becomes exactly one envelope reply. Its status comes from the catalogue, so a
 * code can never be sent with two different statuses.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly code: ErrorCode
  readonly statusCode: number
  readonly extra: Record<string, unknown>
  readonly headers: Record<string, string>

  constructor(code: ErrorCode, message: string, options: ApiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.statusCode = errorCatalogue[code].status
    this.extra = options.extra ?? {}
    this.headers = options.headers ?? {}
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError
}
