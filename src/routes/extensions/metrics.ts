import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { EXTENSION_TAG } from './jwks.js'

const schema = {
  operationId: 'get_metrics',
  tags: [EXTENSION_TAG],
  summary: 'Prometheus metrics of this instance',
  description:
    'Text exposition format. Each instance counts for itself: scrape every instance, not the ' +
    'load balancer in front of them.',
  response: {
    200: {
      description: 'Metrics in the Prometheus text format',
      content: { 'text/plain': { schema: Type.String() } },
    },
  },
}

const metrics: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/metrics', { schema }, async (_request, reply) => {
    const text = await app.metrics.text()
    return reply.header('cache-control', 'no-store').type(app.metrics.contentType).send(text)
  })
}

export default metrics
