import type { FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from '../errors/api-error.js'
import { faultError, type FaultReplyContext } from './fault-replies.js'
import { isSuccess, type FaultBook } from './faults.js'
import { journalEntry, type Recording } from './journal-entry.js'
import type { OperationInfo } from './operations.js'
import { preferredCode } from './prefer.js'

export interface Injection {
  /** False when ADMIN_TOKEN is set: only faults armed through the admin API apply then. */
  honourPrefer: boolean
  faults: FaultBook
  recording: Recording
  replyContext: (request: FastifyRequest) => FaultReplyContext
}

/**
 * `Prefer: code=<status>` first (it is this request's own ask), then the first armed fault of
 * the operation. Both run in onRequest, before authentication, as Prism's do: a forced 401 or
 * 503 must not need valid credentials, and a forced reply carries no data, so none can leak.
 * A forced status is thrown, so it reaches the client through the route's own error handler.
 */
export async function injectFault(
  request: FastifyRequest,
  reply: FastifyReply,
  operation: OperationInfo,
  injection: Injection,
): Promise<void> {
  const { faults, recording, replyContext } = injection
  const preferred = injection.honourPrefer ? preferredCode(request.headers.prefer) : null
  if (preferred !== null) {
    const status = /^[1-5][0-9]{2}$/.test(preferred) ? Number(preferred) : NaN
    if (!operation.statuses.includes(status)) {
      throw new ApiError(
        'invalid_request',
        `Prefer: code=${preferred} is not a documented status of ${operation.operationId}; ` +
          `documented: ${operation.statuses.join(', ')}.`,
      )
    }
    if (isSuccess(status)) return
    request.adminFault = 'prefer'
    reply.header('x-fault-injected', 'prefer')
    throw faultError(operation, status, replyContext(request), `Prefer: code=${status}`)
  }
  const fault = await faults.take(operation.operationId)
  if (!fault) return
  request.adminFault = fault.id
  reply.header('x-fault-injected', fault.id)
  if (fault.latency_ms > 0) await pause(fault.latency_ms, reply)
  if (fault.drop_connection) {
    const trace = request.adminTrace
    if (trace) recording.journal.add(journalEntry(request, reply, trace, null, recording))
    reply.hijack()
    // Destroying the response destroys its socket: the client sees the connection reset.
    reply.raw.destroy()
    return
  }
  if (fault.status !== null) {
    throw faultError(operation, fault.status, replyContext(request), `fault ${fault.id}`)
  }
}

/** Waits `ms`, or less when the client goes away meanwhile. */
function pause(ms: number, reply: FastifyReply): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      reply.raw.off('close', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    reply.raw.once('close', done)
  })
}
