/**
 * Scrubs secrets out of what the request journal keeps. Three nets, because no single one
 * catches everything a test suite sends:
 * - by name: credential headers, and query parameters and JSON fields named like secrets;
 * - by shape: JWTs (in any text) and OpenApp API keys (`..._openapp_<secret>`);
 * - by value: every credential of the directory, the admin token, and each secret value seen
 *   under a secret name (a bootstrap key minted in one reply is scrubbed from a later script).
 * Redaction runs before anything is stored or truncated, so a secret never sits in memory and
 * is never cut in half where the value net would miss it.
 */

export const REDACTED = '[redacted]'

const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'cookie',
  'set-cookie',
  'x-admin-token',
])

const SECRET_NAMES = [
  'key', 'token', 'access_token', 'refresh_token', 'id_token', 'bootstrap_key', 'api_key',
  'api_keys', 'session', 'sessions', 'secret', 'client_secret', 'password', 'jwt',
]
const SECRET_NAME = new RegExp(`^(${SECRET_NAMES.join('|')})$`, 'i')
/** A secret-named field in JSON text. */
const SECRET_FIELD_IN_JSON = new RegExp(`"(${SECRET_NAMES.join('|')})"\\s*:`, 'i')
/** A JSON string value of three base64url segments: what `json` would treat as a token. */
const TOKEN_VALUE_IN_JSON = /"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"/

/** `eyJ` is base64url of `{"`, the start of every JWT header this server or jose writes. */
const JWT_IN_TEXT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g
/** A whole value made of three base64url segments, long enough to be a token, not "a.b.c". */
const JWT_VALUE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/
const API_KEY_IN_TEXT = /_openapp_[^\s"'&;,<>]+/g

/** Values shorter than this are not hunted inside text: they would shred ordinary words. */
const MIN_VALUE_LENGTH = 6
/** Learned values kept (bootstrap keys, tokens seen in replies); the oldest are forgotten. */
const MAX_LEARNED = 2000

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

export class Redactor {
  #fixed: string[] = []
  readonly #learned = new Set<string>()
  #pattern: RegExp | null = null

  constructor(fixed: string[] = []) {
    this.setKnownSecrets(fixed)
  }

  /** The directory's credentials and the admin token; replaces the previous list. */
  setKnownSecrets(secrets: string[]): void {
    this.#fixed = secrets.filter((secret) => secret.length >= MIN_VALUE_LENGTH)
    this.#pattern = null
  }

  /** Remembers a secret value seen at run time, to scrub it wherever it shows up later. */
  learn(value: string): void {
    if (value.length < MIN_VALUE_LENGTH || this.#learned.has(value)) return
    this.#learned.add(value)
    if (this.#learned.size > MAX_LEARNED) {
      const oldest = this.#learned.values().next().value
      if (oldest !== undefined) this.#learned.delete(oldest)
    }
    this.#pattern = null
  }

  text(value: string): string {
    let out = value
    // includes() is a fast scan; the regexes only run where a match is possible at all.
    if (out.includes('eyJ')) out = out.replace(JWT_IN_TEXT, REDACTED)
    if (out.includes('_openapp_')) out = out.replace(API_KEY_IN_TEXT, `_openapp_${REDACTED}`)
    const pattern = this.#valuePattern()
    if (pattern) out = out.replace(pattern, REDACTED)
    return out
  }

  headers(headers: Record<string, unknown>): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {}
    for (const [name, raw] of Object.entries(headers)) {
      if (raw === undefined) continue
      const lower = name.toLowerCase()
      const one = (value: string) =>
        SECRET_HEADERS.has(lower) ? this.#secretHeader(lower, value) : this.text(value)
      out[lower] = Array.isArray(raw) ? raw.map((v) => one(String(v))) : one(String(raw))
    }
    return out
  }

  /**
   * A URL with every query value blanked (names can be encoded or decorated, `?key[]=`, so
   * judging by name would miss some) and the path scrubbed as text.
   */
  url(url: string): string {
    const q = url.indexOf('?')
    if (q < 0) return this.text(url)
    const params = url
      .slice(q + 1)
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=')
        const name = decodeURIComponentSafe(eq < 0 ? pair : pair.slice(0, eq))
        if (eq < 0) return pair === '' ? '' : REDACTED
        if (SECRET_NAME.test(name)) this.learn(decodeURIComponentSafe(pair.slice(eq + 1)))
        return `${this.text(pair.slice(0, eq))}=${REDACTED}`
      })
    return `${this.text(url.slice(0, q))}?${params.join('&')}`
  }

  /**
   * Whether JSON text may hold anything `json` would blank. False lets the journal keep
   * a body as it is, without walking and copying it: most bodies hold no secret at all. Text
   * with `\u` escapes could spell a secret name in disguise, so it always takes the walk.
   */
  mightHoldSecret(json: string): boolean {
    if (json.includes('eyJ') || json.includes('_openapp_') || json.includes('\\u')) return true
    if (SECRET_FIELD_IN_JSON.test(json) || TOKEN_VALUE_IN_JSON.test(json)) return true
    const pattern = this.#valuePattern()
    if (pattern === null) return false
    pattern.lastIndex = 0
    const found = pattern.test(json)
    pattern.lastIndex = 0
    return found
  }

  /** A parsed JSON value with secrets blanked at any depth. */
  json(value: unknown, secretName = false): unknown {
    if (typeof value === 'string') {
      if (secretName) {
        this.learn(value)
        return REDACTED
      }
      if (value.length >= 40 && value.includes('.') && JWT_VALUE.test(value)) return REDACTED
      return this.text(value)
    }
    if (Array.isArray(value)) return value.map((item) => this.json(item, secretName))
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {}
      for (const [name, item] of Object.entries(value)) {
        out[this.text(name)] = this.json(item, secretName || SECRET_NAME.test(name))
      }
      return out
    }
    return value
  }

  #secretHeader(name: string, value: string): string {
    if (name === 'authorization' || name === 'proxy-authorization') {
      const scheme = /^\s*([A-Za-z][A-Za-z0-9._~+/-]*)\s+\S/.exec(value)?.[1]
      return scheme ? `${scheme} ${REDACTED}` : REDACTED
    }
    return REDACTED
  }

  #valuePattern(): RegExp | null {
    if (this.#pattern === null) {
      const values = [...this.#fixed, ...this.#learned].sort((a, b) => b.length - a.length)
      if (values.length === 0) return null
      this.#pattern = new RegExp(values.map(escapeRegExp).join('|'), 'g')
    }
    return this.#pattern
  }
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '))
  } catch {
    return value
  }
}
