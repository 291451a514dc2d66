import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { EXTENSION_TAG } from './jwks.js'

const openapi: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/openapi.json',
    {
      schema: {
        operationId: 'get_openapi_document',
        tags: [EXTENSION_TAG],
        summary: 'This OpenAPI document',
      },
    },
    async () => app.swagger(),
  )
}

export default openapi
