import type { FastifyInstance } from 'fastify'
import { ApiError } from '../errors/api-error.js'

/**
 * Nesting deeper than this is refused. JSON.stringify and the reply serializer recurse, and a
 * 260 KiB task-spec body can nest about 130,000 arrays: without a bound it overflowed the stack
 * and answered 500. No payload a LAN agent runs needs more than a few levels.
 */
export const MAX_JSON_DEPTH = 128

/**
 * JSON is the only body type the API takes. The media type is `application/json` in any case,
 * with any parameters (a `charset` is ignored: RFC 8259 section 11 defines none and JSON is
 * UTF-8); `+json` types and `text/*` are 415, so a JSON text sent as text/plain never reaches a
 * handler as a string. CONTRACT.md makes "no body", an empty body with a JSON content type,
 * `{}` and `null` the same request, so an empty body parses to undefined.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body)
    if (text.trim() === '') {
      done(null, undefined)
      return
    }
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      done(new ApiError('invalid_json', 'The request body is not valid JSON.'), undefined)
      return
    }
    const fault = inspectJson(value)
    if (fault !== null) {
      done(new ApiError('invalid_request', fault), undefined)
      return
    }
    done(null, value)
  })
}

/**
 * Finds what JSON.parse accepts but the server must not: nesting beyond MAX_JSON_DEPTH, numbers
 * beyond the double range (`1e400` parses to Infinity, which would be stored as null) and the
 * keys of prototype pollution (`__proto__`, `constructor.prototype`), which Fastify's own parser
 * refuses too. Iterative, so the check itself cannot overflow the stack.
 */
export function inspectJson(root: unknown): string | null {
  const pending: [unknown, number][] = [[root, 1]]
  while (pending.length > 0) {
    const [value, depth] = pending.pop()!
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return 'A number in the body is outside the range of a double.'
      continue
    }
    if (value === null || typeof value !== 'object') continue
    if (depth > MAX_JSON_DEPTH) {
      return `The body is nested deeper than ${MAX_JSON_DEPTH} levels.`
    }
    if (Array.isArray(value)) {
      for (const item of value) pending.push([item, depth + 1])
      continue
    }
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key]
      if (key === '__proto__' || (key === 'constructor' && hasPrototypeKey(child))) {
        return `The body contains the forbidden key ${JSON.stringify(key)}.`
      }
      pending.push([child, depth + 1])
    }
  }
  return null
}

function hasPrototypeKey(value: unknown): boolean {
  return value !== null && typeof value === 'object' && Object.hasOwn(value, 'prototype')
}
