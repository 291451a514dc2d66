import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { MintRequest } from '../../bootstrap/bootstrap-service.js'
import {
  LanAgentBootstrapTokenRequest,
  LanAgentBootstrapTokenResponse,
} from '../../schemas/components.js'
import { errorResponses } from '../../schemas/responses.js'

const schema = {
  operationId: 'post_lan_agent_cli_bootstrap_token',
  tags: ['LAN agent'],
  summary: 'Mint a bootstrap key for the installer',
  description:
    'Signs a bootstrap JWT, stores it under a fresh ULID for BOOTSTRAP_KEY_TTL_SECONDS and ' +
    'answers that ULID. An optional X-Org narrows the organisations; a given integration must ' +
    'belong to one of them. Unknown body fields are ignored.',
  security: [{ bearer_auth: [] }],
  headers: Type.Object({
    'x-org': Type.Optional(Type.String({ description: 'Organisation ULID to narrow to.' })),
  }),
  body: Type.Ref(LanAgentBootstrapTokenRequest),
  response: {
    200: Type.Ref(LanAgentBootstrapTokenResponse, { description: 'Bootstrap key' }),
    ...errorResponses(400, 401, 403, 404, 413, 415, 429, 500, 503),
  },
}

const bootstrapToken: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/lan-agent/cli/bootstrap-token',
    {
      schema,
      bodyLimit: 16 * 1024,
      onRequest: app.requireUser,
      config: { rateLimitPolicy: 'mint' },
    },
    async (request, reply) => {
      const { record, expiresIn } = await app.bootstrap.mint(
        request.principal!,
        request.body as MintRequest,
        request.headers['x-org'],
      )
      // The key is a credential until it expires: no shared cache may keep it.
      reply.header('cache-control', 'no-store')
      return { bootstrap_key: record.key, expires_in: expiresIn }
    },
  )
}

export default bootstrapToken
