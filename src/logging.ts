import type { FastifyRequest } from 'fastify'
import { destination, type DestinationStream, type LoggerOptions } from 'pino'

/**
 * Every query value is replaced: a parameter name can be percent-encoded (`?%6Bey=` is `key`),
 * so redacting by name would let a bootstrap key through. Names stay, for the operator.
 */
export function redactUrl(url: string): string {
  // Most URLs have no query at all: they pass untouched, at no cost (docs/bench/).
  // An `&` before any `?` is censored from there too: such a URL is a client's mistake, and
  // whatever follows it may still be a secret it meant to send as a query.
  const at = url.search(/[?&]/)
  if (at < 0) return url
  const redacted = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      return eq < 0 ? (pair === '' ? '' : '[redacted]') : `${pair.slice(0, eq)}=[redacted]`
    })
    .join('&')
  return `${url.slice(0, at + 1)}${redacted}`
}

const CENSOR = '[redacted]'

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
]

/** Secret fields censored one level down in any logged object (`{record: {token}}`, an error
 * carrying `access_token`). */
const NESTED_SECRETS = new Set(['token', 'access_token', 'bootstrap_key'])

/**
 * Does what the redact paths `*.token`, `*.access_token` and `*.bootstrap_key` did, at a
 * fraction of the cost. pino runs a wildcard path on every field of every line, and its
 * redaction clones what it visits: 4 µs of the 6.5 µs a whole access line costs (measured with
 * pino alone, docs/bench/). Here fields are only looked at, and the one object that holds a
 * secret is copied, keeping its prototype (and message and stack for an Error). One narrowing:
 * pino applies this to logged objects but not to child-logger bindings, which keep only the
 * top-level paths above; the server's bindings are fixed values (`component`, `reqId`).
 */
export function censorNestedSecrets(object: Record<string, unknown>): Record<string, unknown> {
  let censored = object
  for (const name in object) {
    const value = object[name]
    if (value === null || typeof value !== 'object' || !holdsSecret(value)) continue
    if (censored === object) censored = { ...object }
    censored[name] = censoredCopy(value)
  }
  return censored
}

function holdsSecret(value: object): boolean {
  for (const name in value) {
    if (NESTED_SECRETS.has(name) && Object.hasOwn(value, name)) return true
  }
  return false
}

function censoredCopy(value: object): object {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(value) as object), value)
  if (value instanceof Error) {
    Object.defineProperty(copy, 'message', { value: value.message, enumerable: false })
    Object.defineProperty(copy, 'stack', { value: value.stack, enumerable: false })
  }
  for (const name of NESTED_SECRETS) if (Object.hasOwn(copy, name)) copy[name] = CENSOR
  return copy as object
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: CENSOR },
    formatters: { log: censorNestedSecrets },
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
