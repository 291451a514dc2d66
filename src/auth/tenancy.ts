import { ApiError } from '../errors/api-error.js'
import { canonicalUlid } from '../ids/ulid.js'
import type { Directory, Integration } from '../directory/directory.js'
import type { Principal } from './principal.js'

/**
 * Reads X-Org. Node joins a repeated header with ", ", which is then not a ULID: a repeated
 * header is refused as a whole and never split, so a caller cannot smuggle a second org in.
 */
export function readOrgHeader(value: string | string[] | undefined): string {
  if (value === undefined || (typeof value === 'string' && value.trim() === '')) {
    throw new ApiError('invalid_org_header', 'The X-Org header is required: an organisation ULID.')
  }
  const org = typeof value === 'string' ? canonicalUlid(value) : null
  if (org === null) {
    throw new ApiError(
      'invalid_org_header',
      'The X-Org header must be exactly one organisation ULID.',
    )
  }
  return org
}

export function assertMember(principal: Principal, orgId: string): void {
  if (!principal.orgIds.includes(orgId)) {
    throw new ApiError('forbidden_org', 'You are not a member of the organisation in X-Org.')
  }
}

/** Finds an integration of `orgId`. Another org's integration gets the same 404 as a missing
 * one, so ids of other tenants cannot be probed. */
export function findIntegration(
  directory: Directory,
  orgId: string,
  rawId: string | undefined,
): Integration {
  const id = canonicalUlid(rawId)
  if (id === null) {
    throw new ApiError('invalid_integration_id', 'The integration id must be a ULID.')
  }
  const integration = directory.integration(id)
  if (!integration || integration.orgId !== orgId) {
    throw new ApiError('integration_not_found', 'No such integration in this organisation.')
  }
  return integration
}

export function assertAgentScope(principal: Principal, integration: Integration): void {
  if (principal.kind === 'agent' && principal.integrationId !== null) {
    if (principal.integrationId !== integration.id) {
      throw new ApiError(
        'forbidden_integration',
        'This agent token is scoped to another integration.',
      )
    }
  }
}
