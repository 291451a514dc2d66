import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from '../errors/api-error.js'
import { sendApiError } from './error-handler.js'

/**
 * onRequest hook refusing a query string over `maxBytes` with 414. Node bounds the whole
 * request head (MAX_HEADER_BYTES); this tighter bound holds for the part a client controls
 * most freely, checked before any route looks at the query.
 */
export function queryLimit(maxBytes: number) {
  return async (request: FastifyRequest) => {
    const start = request.url.indexOf('?')
    if (start < 0 || request.url.length - start - 1 <= maxBytes) return
    throw new ApiError(
      'uri_too_long',
      `The query string exceeds the limit of ${maxBytes} bytes.`,
      { extra: { limit_bytes: maxBytes } },
    )
  }
}

/**
 * Errors the router raises before a route is chosen (a path that does not decode, a path
 * parameter over `maxParamLength`): Fastify would answer them in its own format.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const apiError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new ApiError('uri_too_long', 'A path parameter exceeds its length limit.')
      : new ApiError('invalid_request', 'The request path is not a valid URL.')
  return sendApiError(request, reply, apiError)
}
