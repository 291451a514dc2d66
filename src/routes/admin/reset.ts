import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { resetAll, resetOrg } from '../../admin/reset.js'
import { ApiError } from '../../errors/api-error.js'
import { canonicalUlid } from '../../ids/ulid.js'
import { ResetQuery, ResetResponse } from '../../schemas/admin.js'
import { errorResponses } from '../../schemas/responses.js'
import { adminOperation, services } from './common.js'

const schema = {
  ...adminOperation,
  operationId: 'post_admin_reset',
  summary: 'Back to the seed, for everyone or for one org',
  description:
    'Without `org`: every task and bootstrap key dropped, fixtures removed, faults disarmed, ' +
    'the clock back to real time and every journal emptied. With `org`: that org\'s tasks and ' +
    'bootstrap keys dropped and its fixtures removed; faults, clock and journals stay. Safe ' +
    'while other requests run. `org` may come in the query or as a JSON body `{"org": …}`; ' +
    'any other body is refused, so a misspelt request never resets everything.',
  querystring: ResetQuery,
  response: { 200: ResetResponse, ...errorResponses(400, 401, 500, 503) },
}

const reset: FastifyPluginAsyncTypebox = async (app) => {
  const admin = services(app)
  const log = app.log.child({ component: 'admin' })
  app.post('/reset', { schema }, async (request) => {
    const org = requestedOrg(request.query.org, request.body)
    if (org === undefined) {
      const summary = await resetAll(admin.reset)
      log.info({ removed: summary.removed }, 'reset to the seed')
      return summary
    }
    const orgId = canonicalUlid(org)
    if (orgId === null) throw new ApiError('invalid_request', 'org must be an organisation ULID.')
    const summary = await resetOrg(admin.reset, orgId)
    log.info({ orgId, removed: summary.removed }, 'org reset to the seed')
    return summary
  })
}

/** The org to reset, from the query or a `{"org"}` body; both must agree when both are given. */
function requestedOrg(fromQuery: string | undefined, body: unknown): string | undefined {
  if (body === undefined || body === null) return fromQuery
  const keys = typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : null
  const fromBody = (body as { org?: unknown }).org
  const onlyOrg = keys !== null && keys.every((key) => key === 'org')
  if (!onlyOrg || (fromBody !== undefined && typeof fromBody !== 'string')) {
    throw new ApiError('invalid_request', 'The reset body may only be {"org": "<ULID>"}.')
  }
  if (fromBody === undefined) return fromQuery
  if (fromQuery !== undefined && fromQuery !== fromBody) {
    throw new ApiError('invalid_request', 'org in the query and in the body differ.')
  }
  return fromBody as string
}

export default reset
