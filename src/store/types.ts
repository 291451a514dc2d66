/**
 * The one storage interface. Two implementations (embedded memory, Redis) pass the same test
 * suite. Every method that judges expiry takes `now` from the server clock, so time can be moved
 * by tests; the implementations also let the backend drop data on its own (Redis TTLs, a sweep
 * timer) so nothing outlives its expiry even if it is never read again.
 */

export interface TaskRecord {
  taskId: string
  orgId: string
  integrationId: string
  /** The payload as JSON text, kept verbatim from the request that stored it. */
  payloadJson: string
  queuedAt: number
  expiresAt: number
}

export interface PutTaskInput {
  orgId: string
  integrationId: string
  taskId: string
  payloadJson: string
  now: number
  ttlMs: number
  maxTasks: number
}

export type PutTaskResult =
  | { status: 'stored'; created: boolean; task: TaskRecord }
  | { status: 'queue_full' }

export interface BootstrapRecord {
  key: string
  /** The signed bootstrap JWT; the rendered installer is derived from its claims. */
  token: string
  userId: string
  orgIds: string[]
  taskId: string
  integrationId: string | null
  createdAt: number
  expiresAt: number
}

export interface Store {
  readonly kind: 'memory' | 'redis'

  /** Resolves once the backend answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>
  close(): Promise<void>

  putTask(input: PutTaskInput): Promise<PutTaskResult>
  /** Live task ids of one integration, oldest first. */
  listTaskIds(orgId: string, integrationId: string, now: number): Promise<string[]>
  listTasks(orgId: string, integrationId: string, now: number): Promise<TaskRecord[]>

  putBootstrapKey(record: BootstrapRecord, now: number): Promise<void>
  getBootstrapKey(key: string, now: number): Promise<BootstrapRecord | null>
  /** Reads and deletes in one atomic step: of many concurrent callers, one gets the record. */
  takeBootstrapKey(key: string, now: number): Promise<BootstrapRecord | null>
  listBootstrapKeys(now: number): Promise<BootstrapRecord[]>

  /** A small shared document (signing keys, admin state) read and written as a whole. */
  getDocument(name: string): Promise<string | null>
  /** Writes `next` only if the document still equals `expected`; true when it did. */
  compareAndSetDocument(name: string, expected: string | null, next: string): Promise<boolean>
  deleteDocument(name: string): Promise<void>

  /** Drops every task of these integrations of one org, and the bootstrap keys of that org. */
  resetOrg(orgId: string, integrationIds: string[]): Promise<void>
  /** Drops every bootstrap key at once (an admin reset); resolves to how many there were. */
  clearBootstrapKeys(): Promise<number>
}

/** The backend could not be reached or did not answer in time: the client sees a 503. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError'
}
