import type { FastifyInstance } from 'fastify'
import type { AdminServices } from '../../plugins/app/admin.js'
import { ADMIN_TAG } from '../../schemas/admin.js'

/** Fields every admin operation's schema shares. */
export const adminOperation = {
  tags: [ADMIN_TAG],
  security: [{ admin_token: [] }],
}

/** The admin services; the routes are only registered when they exist. */
export function services(app: FastifyInstance): AdminServices {
  if (!app.admin) throw new Error('admin routes registered while the admin surface is disabled')
  return app.admin
}
