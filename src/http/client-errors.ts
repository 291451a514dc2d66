import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { errorCatalogue, type ErrorCode } from '../errors/catalogue.js'

/** What Node reports before any route runs, as a catalogue code and a message. */
function classify(code: string | undefined): { errorCode: ErrorCode; message: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        errorCode: 'request_header_too_large',
        message: 'The request line and headers exceed the limit of this server.',
      }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        errorCode: 'request_timeout',
        message: 'The request did not arrive whole in time.',
      }
    default:
      return { errorCode: 'invalid_request', message: 'The request is not valid HTTP/1.1.' }
  }
}

/**
 * Node answers malformed or oversized requests itself, before Fastify sees a request, with a
 * bare status line. This handler writes the error envelope instead, so every reply a client
 * can parse has the same shape. The error is never logged whole: its `rawPacket` holds the
 * request bytes, credentials included.
 */
export function clientErrorHandler(newId: () => string) {
  return function (this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
    // A reset connection has nobody left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    const { errorCode, message } = classify(error.code)
    const status = errorCatalogue[errorCode].status
    const correlationId = newId()
    this.log.debug({ code: error.code, status, correlationId }, 'refused a malformed request')
    if (socket.writable) {
      const body = JSON.stringify({ message, error_code: errorCode, correlationId })
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
          'Content-Type: application/json; charset=utf-8\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          `X-Request-Id: ${correlationId}\r\n` +
          'Connection: close\r\n\r\n' +
          body,
      )
    }
    socket.destroy()
  }
}
