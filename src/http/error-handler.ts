import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from '../errors/api-error.js'
import { StoreUnavailableError } from '../store/types.js'
import type { MethodIndex } from './method-index.js'

/** Seconds a client should wait after a 503 for an unreachable store: reconnects take ~1 s. */
const STORE_RETRY_AFTER_SECONDS = '1'
/** CONTRACT.md: every 429 and 503 carries Retry-After, also where no cause suggests a delay. */
const DEFAULT_RETRY_AFTER_SECONDS = '1'

/** Turns anything thrown while serving a request into the one envelope, hiding 5xx detail. */
export function toApiError(error: unknown, request: FastifyRequest): ApiError {
  if (error instanceof ApiError) return error
  if (error instanceof StoreUnavailableError) {
    return new ApiError('storage_unavailable', 'Storage is unavailable; retry shortly.', {
      headers: { 'retry-after': STORE_RETRY_AFTER_SECONDS },
      cause: error,
    })
  }
  const fastifyError = error as Partial<FastifyError>
  if (fastifyError.validation) {
    return new ApiError('invalid_request', validationMessage(fastifyError))
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(
        'unsupported_media_type',
        `Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')} is not ` +
          'supported: send the body as application/json.',
      )
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = request.routeOptions.bodyLimit
      return new ApiError(
        'payload_too_large',
        `The request body exceeds the limit of ${limit} bytes for this operation.`,
        { extra: { limit_bytes: limit } },
      )
    }
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('invalid_json', 'The request body is not valid JSON.')
  }
  const status = fastifyError.statusCode ?? 500
  if (status === 429) {
    return new ApiError('rate_limited', 'Too many requests; slow down.', {
      headers: { 'retry-after': String(retryAfterOf(error)) },
    })
  }
  if (status >= 400 && status < 500) {
    return new ApiError('invalid_request', fastifyError.message ?? 'The request is invalid.')
  }
  return new ApiError('internal_error', 'An internal error occurred.', { cause: error })
}

/** Ajv says "must NOT have additional properties" without naming one; the client needs it. */
function validationMessage(error: Partial<FastifyError>): string {
  const message = error.message ?? 'The request is invalid.'
  const extra = (error.validation?.[0]?.params as { additionalProperty?: unknown } | undefined)
    ?.additionalProperty
  return typeof extra === 'string' ? `${message}: ${JSON.stringify(extra.slice(0, 64))}` : message
}

function retryAfterOf(error: unknown): number {
  const ttl = (error as { ttl?: number }).ttl
  return typeof ttl === 'number' ? Math.max(1, Math.ceil(ttl / 1000)) : 1
}

export function sendApiError(request: FastifyRequest, reply: FastifyReply, error: ApiError) {
  // The id header is set here as well as in onRequest: replies made before routing (a path
  // that cannot be decoded) never ran that hook.
  const headers: Record<string, string> = { 'x-request-id': request.id, ...error.headers }
  if (error.statusCode === 401 && !('www-authenticate' in headers)) {
    headers['www-authenticate'] = 'Bearer'
  }
  if ((error.statusCode === 429 || error.statusCode === 503) && !('retry-after' in headers)) {
    headers['retry-after'] = DEFAULT_RETRY_AFTER_SECONDS
  }
  return reply
    .code(error.statusCode)
    .headers(headers)
    .type('application/json; charset=utf-8')
    .send({
      message: error.message,
      error_code: error.code,
      correlationId: request.id,
      ...error.extra,
    })
}

export function registerErrorHandling(app: FastifyInstance, methods: MethodIndex): void {
  app.setErrorHandler((error, request, reply) => {
    const apiError = toApiError(error, request)
    const injected = reply.getHeader('x-fault-injected') !== undefined
    if (injected) {
      // A test asked for this failure: nothing went wrong, so no error line and no stack.
      request.log.info({ error_code: apiError.code, fault: true }, 'injected fault answered')
    } else if (apiError.statusCode >= 500) {
      request.log.error(
        { err: apiError.cause ?? error, error_code: apiError.code },
        'request failed',
      )
    } else {
      request.log.debug({ error_code: apiError.code }, apiError.message)
    }
    return sendApiError(request, reply, apiError)
  })

  app.setNotFoundHandler((request, reply) =>
    sendApiError(request, reply, unrouted(request, methods)),
  )

  // The CORS preflight route answers OPTIONS on every path, and answered an OPTIONS that is no
  // preflight (no Origin or no Access-Control-Request-Method) with a text/plain 400. Such a
  // request gets what any other unsupported method gets: 405 with Allow, or 404.
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'OPTIONS') return
    if (request.headers.origin && request.headers['access-control-request-method']) return
    throw unrouted(request, methods)
  })
}

/** The error for a request no route takes: 405 with Allow on a known path, 404 elsewhere. */
function unrouted(request: FastifyRequest, methods: MethodIndex): ApiError {
  const path = request.url.split('?')[0] ?? '/'
  const allowed = methods.allowed(path)
  if (allowed.length === 0) {
    return new ApiError('route_not_found', `No operation at ${request.method} ${path}.`)
  }
  const allow = allowed.join(', ')
  const message = `${request.method} is not allowed here; use ${allow}.`
  return new ApiError('method_not_allowed', message, { headers: { allow } })
}
