import { ApiError } from '../errors/api-error.js'

/**
 * Values that end up inside the rendered installer are checked when the key is minted, so a bad
 * value is refused with a 400 to the dashboard user instead of breaking a script later.
 * C0 controls, DEL, U+2028/9, U+FEFF and lone surrogates would break the installer's
 * one-value-per-line config file or its no-BOM promise; quoting alone handles everything else.
 */
const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f\u2028\u2029\ufeff\p{Cs}]/u

export function checkDeviceId(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null
  if (value === '' || UNSAFE_CHARACTER.test(value)) {
    throw new ApiError(
      'invalid_request',
      'device_id must be a non-empty string without control characters.',
    )
  }
  return value
}

/**
 * The API base the agent will call, as the dashboard user's browser sees it. It becomes part of
 * a shell script and of URLs the agent builds, so only a plain absolute http(s) URL is taken:
 * no credentials, query or fragment; a trailing slash is dropped.
 */
export function checkApiBaseUrl(value: string): string {
  const refuse = (why: string) =>
    new ApiError('invalid_request', `api_base_url ${why}.`)
  if (UNSAFE_CHARACTER.test(value) || /\s/.test(value)) throw refuse('holds whitespace or controls')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw refuse('must be an absolute http(s) URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('must use http or https')
  if (url.username || url.password || value.includes('@')) throw refuse('must not hold credentials')
  if (url.search || value.includes('?')) throw refuse('must not hold a query')
  if (url.hash || value.includes('#')) throw refuse('must not hold a fragment')
  // The parsed form is what the script embeds: the WHATWG parser has normalised host and
  // percent-encoding, so there is exactly one spelling of each URL.
  return url.href.replace(/\/+$/, '')
}
