import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ApiError } from '../../errors/api-error.js'
import { LanAgentCliTokenResponse } from '../../schemas/components.js'
import { errorResponses } from '../../schemas/responses.js'

const schema = {
  operationId: 'post_lan_agent_cli_token',
  tags: ['LAN agent'],
  summary: 'Mint an agent token for the calling user',
  description:
    'Takes no body: no body, an empty JSON body, `{}` and `null` are the same request. ' +
    'The token covers every organisation of the caller.',
  security: [{ bearer_auth: [] }],
  response: {
    200: Type.Ref(LanAgentCliTokenResponse, { description: 'Agent token' }),
    ...errorResponses(400, 401, 413, 415, 429, 500, 503),
  },
}

const cliToken: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/lan-agent/cli/token',
    {
      schema,
      bodyLimit: 1024,
      onRequest: app.requireUser,
      // A generous per-user bound on a client minting in a loop; it fails open when Redis is
      // down, since minting needs no storage (docs/readme/failure-behaviour.md).
      config: { rateLimitPolicy: 'token' },
    },
    async (request, reply) => {
      const body = request.body as unknown
      const isObject = typeof body === 'object' && !Array.isArray(body)
      if (body !== undefined && body !== null && !isObject) {
        throw new ApiError('invalid_request', 'This operation takes no body, or a JSON object.')
      }
      const principal = request.principal!
      const ttl = app.config.AGENT_TOKEN_TTL_SECONDS
      const signed = await app.tokens.signAgentToken(
        { sub: principal.userId, orgs: principal.orgIds, integration_id: null, task_id: null },
        ttl,
      )
      // A token must not sit in a shared cache (RFC 6749 section 5.1 asks the same).
      reply.header('cache-control', 'no-store')
      return { access_token: signed.token, token_type: 'Bearer', expires_in: ttl }
    },
  )
}

export default cliToken
