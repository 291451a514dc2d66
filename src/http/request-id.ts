import type { IncomingMessage } from 'node:http'

/** A caller's correlation id is echoed only when it is a plain token: anything else could
 * smuggle log lines or headers, so it is replaced with a fresh ULID. */
const SANE_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** Request ids: the caller's sane correlation id, else a fresh ULID from `next`. */
export function requestIdGenerator(next: (now: number) => string, now: () => number) {
  return (request: IncomingMessage): string => {
    const offered = request.headers['x-correlation-id']
    if (typeof offered === 'string' && SANE_CORRELATION_ID.test(offered)) return offered
    return next(now())
  }
}
