/**
 * Builds every Redis key the server uses, so the layout is visible in one place. All keys of one
 * organisation share the hash tag `{org:<ULID>}`, which puts them in one Redis Cluster slot and
 * lets a Lua script or MULTI touch several of them. Bootstrap keys are found by their own id
 * alone, so they share the `{bootstrap}` tag with their index instead.
 */
export interface Keyspace {
  queueOrder(orgId: string, integrationId: string): string
  queueExpiry(orgId: string, integrationId: string): string
  queueTasks(orgId: string, integrationId: string): string
  queueSequence(orgId: string, integrationId: string): string
  bootstrapKey(key: string): string
  bootstrapIndex(): string
  document(name: string): string
  /** Namespace of the rate-limit counters; @fastify/rate-limit appends its own suffix. */
  rateLimitNamespace(): string
}

export function createKeyspace(prefix: string): Keyspace {
  const queue = (orgId: string, integrationId: string, part: string) =>
    `${prefix}{org:${orgId}}:queue:${integrationId}:${part}`
  return {
    queueOrder: (org, integration) => queue(org, integration, 'order'),
    queueExpiry: (org, integration) => queue(org, integration, 'expiry'),
    queueTasks: (org, integration) => queue(org, integration, 'tasks'),
    queueSequence: (org, integration) => queue(org, integration, 'seq'),
    bootstrapKey: (key) => `${prefix}{bootstrap}:key:${key}`,
    bootstrapIndex: () => `${prefix}{bootstrap}:index`,
    document: (name) => `${prefix}{doc:${name}}`,
    rateLimitNamespace: () => `${prefix}rate:`,
  }
}
