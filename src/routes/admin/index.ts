import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { assertAdminToken } from '../../admin/enablement.js'
import clock from './clock.js'
import faults from './faults.js'
import fixtures from './fixtures.js'
import keys from './keys.js'
import requests from './requests.js'
import reset from './reset.js'
import state from './state.js'

/** The admin routes, mounted under /__admin only when the surface is enabled. */
const admin: FastifyPluginAsyncTypebox = async (app) => {
  const token = app.admin?.access.token
  if (token !== undefined) {
    app.addHook('onRequest', async (request) => {
      assertAdminToken(request.headers.authorization, token)
    })
  }
  await app.register(reset)
  await app.register(fixtures)
  await app.register(requests)
  await app.register(clock)
  await app.register(faults)
  await app.register(keys)
  await app.register(state)
}

export default admin
