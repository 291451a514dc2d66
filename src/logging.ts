import type { FastifyRequest } from 'fastify'
import { destination, type DestinationStream, type LoggerOptions } from 'pino'

/** Query parameters that carry secrets and must never reach a log line. */
const SECRET_QUERY_PARAMS = /([?&](?:key|token|access_token)=)[^&#]*/gi

export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY_PARAMS, '$1[redacted]')
}

/**
 * Paths pino censors wherever they appear in a log object: credential headers, tokens and keys.
 * The request serializer below never logs headers at all; these catch anything logged by hand.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  'token',
  'access_token',
  'bootstrap_key',
  'key',
  '*.token',
  '*.access_token',
  '*.bootstrap_key',
]

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: redactUrl(request.url),
        remoteAddress: request.ip,
      }),
    },
  }
}

/**
 * Where the server's log lines go: stdout, written asynchronously. A synchronous write is one
 * system call per line on the event loop; the asynchronous one writes from libuv's thread pool
 * and gathers the lines that arrive while a write is in flight into the next one, which raised
 * GET meta from about 15k to 20k requests/s on the bench machine (docs/bench/). A quiet server
 * still writes each line at once. pino flushes what is pending when the process exits, crash
 * included; only a kill -9 or the OOM killer can drop the lines of the last write.
 */
export function logDestination(): DestinationStream {
  return destination({ dest: 1, sync: false })
}
