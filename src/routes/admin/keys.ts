import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ApiError } from '../../errors/api-error.js'
import { KeysResponse, RotateRequest, RotateResponse } from '../../schemas/admin.js'
import { errorResponses } from '../../schemas/responses.js'
import { adminOperation } from './common.js'

const show = {
  ...adminOperation,
  operationId: 'get_admin_keys',
  summary: 'Which key signs and which keys are published',
  response: { 200: KeysResponse, ...errorResponses(401, 500) },
}

const rotate = {
  ...adminOperation,
  operationId: 'post_admin_keys_rotate',
  summary: 'Rotate the signing key',
  description:
    'A new key is published at once and signs after `activate_in_seconds` (default 0); the ' +
    'current key signs until then and stays published until every token it signed has ' +
    'expired (the longest token lifetime plus 60 s of skew). Other instances pick the new key ' +
    'up within ADMIN_SYNC_INTERVAL_MS, and verify its tokens at once. Keys from ' +
    'JWKS_PRIVATE_FILE are not rotated: 409 `key_rotation_unavailable`.',
  body: RotateRequest,
  response: { 200: RotateResponse, ...errorResponses(400, 401, 409, 415, 500, 503) },
}

const keys: FastifyPluginAsyncTypebox = async (app) => {
  const log = app.log.child({ component: 'admin' })
  const view = () => {
    const now = app.clock.now()
    return {
      signing_kid: app.keyring.signingKey(now)?.meta.kid ?? null,
      from_file: app.keyring.fromFile,
      keys: app.keyring.describe(now),
    }
  }
  app.get('/keys', { schema: show }, async () => view())
  app.post('/keys/rotate', { schema: rotate }, async (request) => {
    if (app.keyring.fromFile) {
      throw new ApiError(
        'key_rotation_unavailable',
        'Signing keys come from JWKS_PRIVATE_FILE; replace the file to change them.',
      )
    }
    const leadMs = (request.body?.activate_in_seconds ?? 0) * 1000
    const fresh = await app.keyring.rotate(app.clock.now(), leadMs)
    log.info({ kid: fresh.kid, leadMs }, 'signing key rotated through the admin API')
    return { rotated_kid: fresh.kid, ...view() }
  })
}

export default keys
