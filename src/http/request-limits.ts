import type { FastifyRequest } from 'fastify'
import { ApiError } from '../errors/api-error.js'

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
