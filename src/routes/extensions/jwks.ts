import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses } from '../../schemas/responses.js'

export const EXTENSION_TAG = 'Reference server'

const PublicJwk = Type.Object(
  {
    kty: Type.String(),
    kid: Type.String(),
    alg: Type.String(),
    use: Type.String(),
    crv: Type.Optional(Type.String()),
    x: Type.Optional(Type.String()),
    y: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)

const schema = {
  operationId: 'get_jwks',
  tags: [EXTENSION_TAG],
  summary: 'Public keys that verify the tokens this server signs',
  description: 'A key appears here before it signs and stays until its last token expired.',
  response: {
    200: Type.Object({ keys: Type.Array(PublicJwk) }, { additionalProperties: false }),
    ...errorResponses(503),
  },
}

const jwks: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/.well-known/jwks.json', { schema }, async (_request, reply) => {
    // Short caching lets verifiers pick up a rotation within the lead time of a new key.
    reply.header('cache-control', 'public, max-age=60')
    return { keys: app.keyring.publicJwks(app.clock.now()) }
  })
}

export default jwks
