import { Type } from '@sinclair/typebox'
import type { RouteOptions } from 'fastify'
import { ApiErrorResponse } from '../schemas/components.js'

/**
 * Statuses any operation can answer before its own code runs, whatever its route file says:
 * a query string or path parameter over its limit is refused with 414 by a hook every route
 * passes (src/http/request-limits.ts). They are added to every documented route here, so the
 * OpenAPI document lists what a client can really receive.
 */
export function documentCommonResponses(route: RouteOptions): void {
  const responses = route.schema?.response as Record<string, unknown> | undefined
  if (!responses || '414' in responses) return
  // A route with its own error shape (bootstrap.sh answers scripts or JSON) reuses its 400's.
  const own = responses['400'] as { content?: unknown } | undefined
  responses['414'] = own?.content
    ? { ...own, description: 'URI too long' }
    : Type.Ref(ApiErrorResponse, { description: 'URI too long' })
}
