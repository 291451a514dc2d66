import type { FastifyInstance } from 'fastify'
import { ApiError } from '../errors/api-error.js'

/**
 * Behaviour between SIGTERM and exit. Requests already running finish normally; their replies
 * say `Connection: close` so keep-alive clients reconnect elsewhere instead of holding the
 * server open. A request that still arrives on an open connection gets a 503 `shutting_down`
 * in the envelope (Fastify's own 503 for that case has another body).
 */
export function registerDraining(app: FastifyInstance): void {
  let draining = false
  app.addHook('preClose', async () => {
    draining = true
  })
  app.addHook('onRequest', async () => {
    if (draining) {
      throw new ApiError('shutting_down', 'This server is shutting down; retry shortly.', {
        headers: { 'retry-after': '1' },
      })
    }
  })
  app.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close')
  })
}
