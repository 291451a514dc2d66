import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from '../errors/api-error.js'
import { errorCatalogue, type ErrorCode } from '../errors/catalogue.js'
import { sendApiError } from './error-handler.js'

/**
 * Errors Fastify raises before a request reaches routing (a path that cannot be percent-decoded,
 * a path segment over maxParamLength). Without this handler Fastify writes a body of its own,
 * outside the envelope and without X-Request-Id.
 */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const apiError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new ApiError('uri_too_long', 'A path parameter exceeds its length limit.')
      : error.code === 'FST_ERR_BAD_URL'
        ? new ApiError('invalid_url', 'The request path is not a valid URL for this API.')
        : new ApiError('internal_error', 'An internal error occurred.', { cause: error })
  if (apiError.statusCode >= 500) request.log.error({ err: error }, 'framework error')
  return sendApiError(request, reply, apiError)
}

/** Node reports these when the bytes on a socket are not a request it can hand to Fastify. */
const CLIENT_ERROR_CODES: Record<string, ErrorCode> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
  HPE_HEADER_OVERFLOW: 'request_headers_too_large',
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
}

/**
 * Replaces Fastify's clientError writer, which answers malformed HTTP (bad header bytes, header
 * overflow, a request timeout) with a body outside the envelope. There is no request object
 * here, so the reply is written to the socket by hand, with a fresh request id.
 */
export function clientErrorHandler(nextId: () => string) {
  return function onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
    // A reset peer has nobody left to read a reply.
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    const code: ErrorCode = CLIENT_ERROR_CODES[error.code ?? ''] ?? 'malformed_request'
    const status = errorCatalogue[code].status
    const id = nextId()
    const body = JSON.stringify({
      message: errorCatalogue[code].meaning,
      error_code: code,
      correlationId: id,
    })
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Bad Request'}\r\n` +
          'Content-Type: application/json; charset=utf-8\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          `X-Request-Id: ${id}\r\n` +
          'Connection: close\r\n\r\n' +
          body,
      )
    }
    socket.destroy(error)
  }
}
