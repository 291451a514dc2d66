import { createHash, timingSafeEqual } from 'node:crypto'
import type { Config } from '../config/schema.js'
import { ApiError } from '../errors/api-error.js'

export interface AdminAccess {
  enabled: boolean
  /** When set, every admin call must present it as a bearer token. */
  token: string | undefined
  /** Why the surface is on or off, for the start-up log line. */
  reason: string
}

/**
 * On by default, because a local server is a test target first. Production turns it off unless
 * an ADMIN_TOKEN guards it: a staging cluster opts in by setting the token, and a deployment
 * that forgets about the surface never exposes it open. ADMIN_ENABLED=false wins over both.
 */
export function adminAccess(config: Config): AdminAccess {
  const token = config.ADMIN_TOKEN
  if (config.ADMIN_ENABLED === false) {
    return { enabled: false, token, reason: 'ADMIN_ENABLED=false' }
  }
  if (config.NODE_ENV === 'production' && token === undefined) {
    return { enabled: false, token, reason: 'NODE_ENV=production without ADMIN_TOKEN' }
  }
  return { enabled: true, token, reason: token === undefined ? 'open' : 'ADMIN_TOKEN required' }
}

const BEARER = /^[ \t]*bearer[ \t]+(\S+)[ \t]*$/i

/** Comparing digests of equal length keeps the time taken independent of where they differ. */
function sameSecret(offered: string, expected: string): boolean {
  const a = createHash('sha256').update(offered, 'utf8').digest()
  const b = createHash('sha256').update(expected, 'utf8').digest()
  return timingSafeEqual(a, b)
}

const ADMIN_CHALLENGE = { 'www-authenticate': 'Bearer realm="lan-agent-admin"' }

/** Throws the 401 an admin call gets without the right `Authorization: Bearer <ADMIN_TOKEN>`. */
export function assertAdminToken(authorization: string | undefined, token: string): void {
  if (authorization === undefined) {
    throw new ApiError('unauthenticated', 'Admin calls need Authorization: Bearer <ADMIN_TOKEN>.', {
      headers: ADMIN_CHALLENGE,
    })
  }
  const offered = BEARER.exec(authorization)?.[1]
  if (offered === undefined || !sameSecret(offered, token)) {
    throw new ApiError('invalid_credentials', 'The admin token is not valid.', {
      headers: ADMIN_CHALLENGE,
    })
  }
}
