import type { FastifyRequest } from 'fastify'
import type { LoggerOptions } from 'pino'

/**
 * Every query value is replaced: a parameter name can be percent-encoded (`?%6Bey=` is `key`),
 * so redacting by name would let a bootstrap key through. Names stay, for the operator.
 */
export function redactUrl(url: string): string {
  const at = url.indexOf('?')
  if (at < 0) return url
  const redacted = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      return eq < 0 ? (pair === '' ? '' : '[redacted]') : `${pair.slice(0, eq)}=[redacted]`
    })
    .join('&')
  return `${url.slice(0, at)}?${redacted}`
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
