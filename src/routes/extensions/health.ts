import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ApiError } from '../../errors/api-error.js'
import { errorResponses } from '../../schemas/responses.js'
import { EXTENSION_TAG } from './jwks.js'

const Health = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
    checks: Type.Optional(
      Type.Object(
        {
          store: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
          signing_key: Type.Union([Type.Literal('ok'), Type.Literal('missing')]),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)

const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'get_healthz',
        tags: [EXTENSION_TAG],
        summary: 'The process is up',
        response: { 200: Health, ...errorResponses(503) },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'get_readyz',
        tags: [EXTENSION_TAG],
        summary: 'Storage answers and a signing key is loaded',
        response: { 200: Health, ...errorResponses(503) },
      },
    },
    async () => {
      const store = await app.store.ping().then(
        () => 'ok' as const,
        () => 'unavailable' as const,
      )
      const signing = app.keyring.signingKey(app.clock.now())
      const signingKey = signing ? ('ok' as const) : ('missing' as const)
      const retry = { headers: { 'retry-after': '1' } }
      if (store !== 'ok') {
        throw new ApiError('storage_unavailable', 'Storage is unavailable.', retry)
      }
      if (signingKey !== 'ok') {
        throw new ApiError('signing_unavailable', 'No signing key is loaded.', retry)
      }
      return { status: 'ok' as const, checks: { store, signing_key: signingKey } }
    },
  )
}

export default health
