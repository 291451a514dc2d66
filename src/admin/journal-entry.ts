import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Journal, JournalEntry } from './journal.js'
import { journalReplyBody, journalRequestBody } from './journal-body.js'
import type { Redactor } from './redact.js'

/** What the journal hooks carry from a request's arrival to its reply. */
export interface Trace {
  /** Server-clock arrival time. */
  receivedAt: number
  /** The reply payload as onSend saw it. */
  payload: unknown
}

export interface Recording {
  journal: Journal
  redactor: Redactor
  maxBodyBytes: number
}

export function operationIdOf(request: FastifyRequest): string | null {
  const id = (request.routeOptions.schema as { operationId?: unknown } | undefined)?.operationId
  return typeof id === 'string' ? id : null
}

/** One exchange as the journal keeps it; `status` null means the connection was dropped. */
export function journalEntry(
  request: FastifyRequest,
  reply: FastifyReply,
  trace: Trace,
  status: number | null,
  { journal, redactor, maxBodyBytes }: Recording,
): JournalEntry {
  // The URL and request first: a key learned there is then scrubbed from the reply body.
  const url = redactor.url(request.url)
  const requestHeaders = redactor.headers(request.headers)
  const requestBody = journalRequestBody(request.body, redactor, maxBodyBytes)
  const replyBody =
    status === null
      ? { body: null, body_truncated: false }
      : journalReplyBody(
          trace.payload,
          reply.getHeader('content-type')?.toString(),
          redactor,
          maxBodyBytes,
        )
  return {
    seq: journal.nextSeq(),
    // A caller's X-Correlation-Id becomes the request id: it is scrubbed like any text.
    request_id: redactor.text(request.id),
    received_at: new Date(trace.receivedAt).toISOString(),
    duration_ms: Math.round(reply.elapsedTime * 1000) / 1000,
    method: request.method,
    path: redactor.text(request.url.split('?')[0] ?? '/'),
    url,
    operation_id: operationIdOf(request),
    status,
    fault: request.adminFault,
    request: { headers: requestHeaders, ...requestBody },
    response: {
      headers: status === null ? {} : redactor.headers(reply.getHeaders()),
      ...replyBody,
    },
  }
}
