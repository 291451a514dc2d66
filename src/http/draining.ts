import type { FastifyInstance } from 'fastify'
import { ApiError } from '../errors/api-error.js'

/** A load balancer needs about a second to stop sending to an instance that is going away. */
const DRAIN_RETRY_AFTER_SECONDS = '1'

/**
 * Requests that arrive on a kept-alive connection while the instance closes get a 503 in the
 * envelope with Retry-After. Fastify's own closing reply (return503OnClosing) is a bare body
 * of its own with neither, so the app turns that off and answers here instead.
 */
export function registerDraining(app: FastifyInstance): void {
  let draining = false
  app.addHook('preClose', (done) => {
    draining = true
    done()
  })
  app.addHook('onRequest', async () => {
    if (draining) {
      throw new ApiError('server_draining', 'This instance is shutting down; retry shortly.', {
        headers: { 'retry-after': DRAIN_RETRY_AFTER_SECONDS, connection: 'close' },
      })
    }
  })
}
