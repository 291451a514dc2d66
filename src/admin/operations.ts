import type { RouteOptions } from 'fastify'

export const ADMIN_PREFIX = '/__admin'

/** What the fault machinery needs to know about one documented operation. */
export interface OperationInfo {
  operationId: string
  method: string
  url: string
  /** The statuses its response schema documents, ascending: the only ones a fault may force. */
  statuses: number[]
  /** Whether the path carries an integration id (its natural 404 and 403 codes differ). */
  integrationScoped: boolean
}

/**
 * Every operation id of the app with its documented statuses, collected from the route schemas
 * as routes are added: the same schemas the OpenAPI document is generated from, so a status a
 * fault may force is exactly a status the document promises. Admin routes are left out: faults
 * and `Prefer` never apply to the surface that controls them.
 */
export class OperationRegistry {
  readonly #operations = new Map<string, OperationInfo>()

  add(route: RouteOptions): void {
    const schema = route.schema as { operationId?: unknown; response?: object } | undefined
    const operationId = schema?.operationId
    if (typeof operationId !== 'string' || route.url.startsWith(ADMIN_PREFIX)) return
    // Fastify adds a HEAD twin of each GET with the same schema; the GET describes both.
    if (this.#operations.has(operationId)) return
    const statuses = Object.keys(schema?.response ?? {})
      .filter((key) => /^[1-5][0-9][0-9]$/.test(key))
      .map(Number)
      .sort((a, b) => a - b)
    this.#operations.set(operationId, {
      operationId,
      method: Array.isArray(route.method) ? route.method.join(', ') : String(route.method),
      url: route.url,
      // A route without response schemas is documented with 200 alone.
      statuses: statuses.length > 0 ? statuses : [200],
      integrationScoped: route.url.includes(':integration_id'),
    })
  }

  get(operationId: string): OperationInfo | undefined {
    return this.#operations.get(operationId)
  }

  ids(): string[] {
    return [...this.#operations.keys()].sort()
  }
}
