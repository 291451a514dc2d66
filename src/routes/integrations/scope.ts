import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  assertAgentScope,
  assertMember,
  findIntegration,
  readOrgHeader,
} from '../../auth/tenancy.js'
import type { Integration } from '../../directory/directory.js'

declare module 'fastify' {
  interface FastifyRequest {
    integration: Integration | null
  }
}

/**
 * preValidation hook of the integration routes: tenancy is settled (400 X-Org, 403 membership,
 * 400/404 integration, 403 agent scope) before the body is validated or anything is stored.
 */
export function integrationScope(app: FastifyInstance) {
  return async (request: FastifyRequest) => {
    const principal = request.principal!
    const orgId = readOrgHeader(request.headers['x-org'])
    assertMember(principal, orgId)
    const params = request.params as { integration_id?: string }
    const integration = findIntegration(app.directory, orgId, params.integration_id)
    assertAgentScope(principal, integration)
    request.integration = integration
  }
}
