/**
 * Reading credentials off a request, without judging them. CONTRACT.md fixes the rules: the
 * scheme name is case-insensitive and may be followed by several spaces; a bearer value made of
 * three dot-separated base64url segments is a JWT, anything else an API key; an API key is
 * identified by what follows its last `_openapp_`.
 */

export type Credential =
  | { kind: 'jwt'; token: string }
  | { kind: 'api_key'; secret: string }
  | { kind: 'session'; value: string }
  | { kind: 'malformed'; reason: string }
  | { kind: 'none' }

const BEARER = /^[ \t]*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)[ \t]+(\S+)[ \t]*$/
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/
const API_KEY_MARK = '_openapp_'
const SESSION_COOKIE = 'ory_kratos_session'

export interface CredentialHeaders {
  authorization?: string | undefined
  'x-api-key'?: string | string[] | undefined
  cookie?: string | undefined
}

/**
 * A key holds no whitespace and no comma. Node joins a repeated X-API-Key with ", ", and
 * reading that joined value after its last `_openapp_` silently took the second key.
 */
const API_KEY_SHAPE = /^[^\s,]+$/

export function apiKeySecret(value: string): string | null {
  if (!API_KEY_SHAPE.test(value)) return null
  const at = value.lastIndexOf(API_KEY_MARK)
  if (at < 0) return null
  const secret = value.slice(at + API_KEY_MARK.length)
  return secret.length > 0 ? secret : null
}

/** The precedence is Authorization, then X-API-Key, then the session cookie. A credential that
 * is present but bad is reported as malformed: it never falls through to the next one. */
export function readCredential(headers: CredentialHeaders): Credential {
  const authorization = headers.authorization
  if (authorization !== undefined) {
    const match = BEARER.exec(authorization)
    if (!match || match[1]?.toLowerCase() !== 'bearer') {
      return { kind: 'malformed', reason: 'Authorization must use the Bearer scheme.' }
    }
    const value = match[2] as string
    if (JWT_SHAPE.test(value)) return { kind: 'jwt', token: value }
    const secret = apiKeySecret(value)
    return secret === null
      ? { kind: 'malformed', reason: 'The bearer value is neither a token nor an API key.' }
      : { kind: 'api_key', secret }
  }
  const apiKey = headers['x-api-key']
  if (apiKey !== undefined) {
    const secret = typeof apiKey === 'string' ? apiKeySecret(apiKey.trim()) : null
    return secret === null
      ? { kind: 'malformed', reason: 'X-API-Key is not an OpenApp API key.' }
      : { kind: 'api_key', secret }
  }
  const session = sessionCookie(headers.cookie)
  if (session !== undefined) return { kind: 'session', value: session }
  return { kind: 'none' }
}

/** Finds the session cookie; one value out of one header does not warrant a cookie parser. */
function sessionCookie(header: string | undefined): string | undefined {
  if (!header) return undefined
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=')
    if (eq < 0 || pair.slice(0, eq).trim() !== SESSION_COOKIE) continue
    let value = pair.slice(eq + 1).trim()
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      value = value.slice(1, -1)
    }
    return value
  }
  return undefined
}
