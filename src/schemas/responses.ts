import { Type } from '@sinclair/typebox'
import { ApiErrorResponse } from './components.js'

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  426: 'Agent protocol too old',
  429: 'Too many requests',
  500: 'Internal error',
  503: 'Service unavailable',
}

/** Response schemas for error statuses: each one is the error envelope. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      Type.Ref(ApiErrorResponse, { description: STATUS_TEXT[status] ?? 'Error' }),
    ]),
  )
}

/** Header parameters of the integration-scoped operations. */
export const OrgHeaders = Type.Object({
  'X-Org': Type.String({ description: 'Organisation ULID.' }),
})

export const IntegrationParams = Type.Object({
  integration_id: Type.String({ description: 'Integration ULID.' }),
})
