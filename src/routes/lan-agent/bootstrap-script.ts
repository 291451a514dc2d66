import accepts from '@fastify/accepts'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { decodeTime } from 'ulid'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { BootstrapService, invalidBootstrapKey } from '../../bootstrap/bootstrap-service.js'
import { isApiError, type ApiError } from '../../errors/api-error.js'
import { sendApiError, toApiError } from '../../http/error-handler.js'
import { shellQuote } from '../../installer/quote.js'
import { ApiErrorResponse } from '../../schemas/components.js'

const SHELL_TYPE = 'text/x-shellscript; charset=utf-8'

/** Every reply of this route: scripts and their errors must never be cached or sniffed. */
const SCRIPT_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
}

const errorReply = (description: string) => ({
  description,
  content: {
    'application/json': { schema: Type.Ref(ApiErrorResponse) },
    'text/x-shellscript': {
      schema: Type.String({ description: 'A script that prints the reason and exits 1.' }),
    },
  },
})

const schema = {
  operationId: 'get_lan_agent_cli_bootstrap_sh',
  tags: ['LAN agent'],
  summary: 'Download the installer for a bootstrap key',
  description:
    'Answers the rendered bash installer whatever the Accept header says. Errors come as the ' +
    'JSON envelope when the client prefers application/json, otherwise as a short script that ' +
    'prints the reason and exits 1, so `curl | bash` without -f still explains itself. ' +
    'HEAD never consumes a key.',
  querystring: Type.Object({
    key: Type.String({ description: 'ULID from POST /lan-agent/cli/bootstrap-token.' }),
  }),
  response: {
    200: {
      description: 'The rendered installer',
      content: { 'text/x-shellscript': { schema: Type.String() } },
    },
    400: errorReply('Missing, repeated or malformed key'),
    401: errorReply('Unknown, expired or used key'),
    429: errorReply('Too many requests'),
    500: errorReply('Internal error'),
    503: errorReply('Storage or signing unavailable'),
  },
}

/** A failed download piped into bash must explain itself instead of running JSON. */
function errorScript(error: ApiError, requestId: string): string {
  const line = `lan-agent bootstrap failed (HTTP ${error.statusCode}, ${error.code}): ` +
    `${error.message} [request ${requestId}]`
  return `#!/bin/sh\nprintf '%s\\n' ${shellQuote(line)} >&2\nexit 1\n`
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: ApiError) {
  reply.headers(SCRIPT_HEADERS)
  if (request.accepts().type(['text/x-shellscript', 'application/json']) === 'application/json') {
    return sendApiError(request, reply, error)
  }
  const headers: Record<string, string> = { ...error.headers }
  if (error.statusCode === 401) headers['www-authenticate'] ??= 'Bearer'
  return reply
    .code(error.statusCode)
    .headers(headers)
    .type(SHELL_TYPE)
    .send(errorScript(error, request.id))
}

const bootstrapScript: FastifyPluginAsyncTypebox = async (app) => {
  const ttlMs = app.config.BOOTSTRAP_KEY_TTL_SECONDS * 1000
  /** A key's ULID carries its minting time, so a refused key can be told apart as expired. */
  const keyOutlived = (key: string) => decodeTime(key) + ttlMs <= app.clock.now()
  await app.register(accepts)
  app.get(
    '/lan-agent/cli/bootstrap.sh',
    {
      schema,
      // Per client address here; per key owner in the handler, once the key is known.
      config: { rateLimitPolicy: 'script' },
      errorHandler: (error, request, reply) => {
        // The schema documents `key`; a missing or repeated one is reported like a bad one.
        const apiError =
          error.validationContext === 'querystring'
            ? invalidBootstrapKey()
            : toApiError(error, request)
        if (apiError.statusCode >= 500 && reply.getHeader('x-fault-injected') === undefined) {
          request.log.error({ err: apiError.cause ?? error, error_code: apiError.code }, 'failed')
        }
        return sendError(request, reply, apiError)
      },
    },
    async (request, reply) => {
      // The raw value is only ever parsed here: storage and the script see the canonical ULID.
      const key = BootstrapService.parseKey(request.query.key)
      // Counted before the key is used, so a refused single-use key is not consumed.
      const owner = await app.bootstrap.ownerOf(key)
      if (owner) await app.rateLimits.hit(request, 'script', 'user', owner)
      const consume = app.config.BOOTSTRAP_SINGLE_USE && request.method === 'GET'
      const { script } = await app.bootstrap.render(key, consume).catch((error: unknown) => {
        if (isApiError(error) && error.code === 'bootstrap_key_rejected' && keyOutlived(key)) {
          app.metrics.bootstrapKeysExpired.inc()
        }
        throw error
      })
      if (request.method === 'GET') app.metrics.bootstrapKeysUsed.inc()
      return reply.headers(SCRIPT_HEADERS).type(SHELL_TYPE).send(script)
    },
  )
}

export default bootstrapScript
