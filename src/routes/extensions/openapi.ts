import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses } from '../../schemas/responses.js'
import { EXTENSION_TAG } from './jwks.js'

const openapi: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/openapi.json',
    {
      schema: {
        operationId: 'get_openapi_document',
        tags: [EXTENSION_TAG],
        summary: 'This OpenAPI document',
        response: {
          200: Type.Object({}, { additionalProperties: true, description: 'OpenAPI 3.1 document' }),
          ...errorResponses(503),
        },
      },
    },
    async () => app.swagger(),
  )
}

export default openapi
