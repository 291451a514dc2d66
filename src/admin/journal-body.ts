import type { Readable } from 'node:stream'
import type { JournalMessage } from './journal.js'
import type { Redactor } from './redact.js'

const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\b/i
const TEXT_TYPE = /^(?:text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|x-sh)\b)/i

type Body = Pick<JournalMessage, 'body' | 'body_truncated'>

/** Cuts text to at most `maxBytes` of UTF-8; the body is already redacted, so no secret is cut. */
function truncate(text: string, maxBytes: number): Body {
  if (Buffer.byteLength(text) <= maxBytes) return { body: text, body_truncated: false }
  return { body: Buffer.from(text).subarray(0, maxBytes).toString('utf8'), body_truncated: true }
}

/**
 * Keeps a JSON body given as text and as a value. A body with no trace of a secret is
 * kept as it is; any other is walked, redacted and measured again.
 */
function keepJson(text: string, value: () => unknown, redactor: Redactor, maxBytes: number): Body {
  if (!redactor.mightHoldSecret(text)) {
    if (Buffer.byteLength(text) <= maxBytes) return { body: value(), body_truncated: false }
    return truncate(text, maxBytes)
  }
  const redacted = redactor.json(value())
  const redactedText = JSON.stringify(redacted) ?? 'null'
  if (Buffer.byteLength(redactedText) <= maxBytes) return { body: redacted, body_truncated: false }
  return truncate(redactedText, maxBytes)
}

/** A parsed request body (the only parser is JSON's, so it is JSON or absent). */
export function journalRequestBody(body: unknown, redactor: Redactor, maxBytes: number): Body {
  if (body === undefined) return { body: null, body_truncated: false }
  return keepJson(JSON.stringify(body) ?? 'null', () => body, redactor, maxBytes)
}

/** A reply payload as onSend sees it: a string, a Buffer, a stream or nothing. */
export function journalReplyBody(
  payload: unknown,
  contentType: string | undefined,
  redactor: Redactor,
  maxBytes: number,
): Body {
  if (payload === null || payload === undefined) return { body: null, body_truncated: false }
  const type = contentType ?? ''
  let text: string
  if (typeof payload === 'string') {
    text = payload
  } else if (Buffer.isBuffer(payload)) {
    if (!TEXT_TYPE.test(type)) {
      const summary = `[${payload.length} bytes of ${type || 'binary data'}]`
      return { body: summary, body_truncated: false }
    }
    text = payload.toString('utf8')
  } else if (typeof (payload as Readable).pipe === 'function') {
    return { body: '[streamed body, not kept]', body_truncated: false }
  } else {
    return { body: null, body_truncated: false }
  }
  if (text === '') return { body: null, body_truncated: false }
  if (JSON_TYPE.test(type)) {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return truncate(redactor.text(text), maxBytes)
    }
    return keepJson(text, () => value, redactor, maxBytes)
  }
  return truncate(redactor.text(text), maxBytes)
}
