import type { BootstrapRecord, PutTaskInput, PutTaskResult, Store, TaskRecord } from '../types.js'

interface Queue {
  /** Map keeps insertion order, and `set` on an existing id keeps its place: queue order. */
  tasks: Map<string, TaskRecord>
  /** A lower bound of the earliest expiry in the queue; pruning is skipped until then. */
  nextExpiry: number
}

export interface MemoryStoreOptions {
  /** Server clock, used by the background sweep. */
  now: () => number
  /** How often expired entries are dropped even if nobody reads them. */
  sweepIntervalMs?: number
}

/** Serialisable contents, for persistence to a data directory. */
export interface MemorySnapshot {
  version: 1
  tasks: TaskRecord[]
  bootstrapKeys: BootstrapRecord[]
  documents: Record<string, string>
}

/**
 * The embedded store: everything in process memory, expiry judged by the server clock on every
 * read and by a periodic sweep, so an idle server does not keep dead entries either.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory'
  readonly #queues = new Map<string, Queue>()
  readonly #bootstrapKeys = new Map<string, BootstrapRecord>()
  readonly #documents = new Map<string, string>()
  readonly #now: () => number
  readonly #sweep: NodeJS.Timeout
  #revision = 0

  constructor(options: MemoryStoreOptions) {
    this.#now = options.now
    this.#sweep = setInterval(() => this.sweep(this.#now()), options.sweepIntervalMs ?? 30_000)
    this.#sweep.unref()
  }

  /** Grows with every change, so a persister can tell whether there is anything to write. */
  get revision(): number {
    return this.#revision
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#sweep)
  }

  async putTask(input: PutTaskInput): Promise<PutTaskResult> {
    const name = queueName(input.orgId, input.integrationId)
    const queue = this.#queues.get(name) ?? { tasks: new Map(), nextExpiry: Infinity }
    prune(queue, input.now)
    const existing = queue.tasks.get(input.taskId)
    if (!existing && queue.tasks.size >= input.maxTasks) return { status: 'queue_full' }
    const task: TaskRecord = {
      taskId: input.taskId,
      orgId: input.orgId,
      integrationId: input.integrationId,
      payloadJson: input.payloadJson,
      queuedAt: existing?.queuedAt ?? input.now,
      expiresAt: input.now + input.ttlMs,
    }
    queue.tasks.set(input.taskId, task)
    queue.nextExpiry = Math.min(queue.nextExpiry, task.expiresAt)
    this.#queues.set(name, queue)
    this.#revision += 1
    return { status: 'stored', created: !existing, task: { ...task } }
  }

  async listTaskIds(orgId: string, integrationId: string, now: number): Promise<string[]> {
    return (await this.listTasks(orgId, integrationId, now)).map((task) => task.taskId)
  }

  async listTasks(orgId: string, integrationId: string, now: number): Promise<TaskRecord[]> {
    const queue = this.#queues.get(queueName(orgId, integrationId))
    if (!queue) return []
    prune(queue, now)
    return [...queue.tasks.values()].map((task) => ({ ...task }))
  }

  async putBootstrapKey(record: BootstrapRecord): Promise<void> {
    this.#bootstrapKeys.set(record.key, { ...record, orgIds: [...record.orgIds] })
    this.#revision += 1
  }

  async getBootstrapKey(key: string, now: number): Promise<BootstrapRecord | null> {
    const record = this.#bootstrapKeys.get(key)
    if (!record) return null
    if (record.expiresAt <= now) {
      this.#bootstrapKeys.delete(key)
      return null
    }
    return { ...record, orgIds: [...record.orgIds] }
  }

  async takeBootstrapKey(key: string, now: number): Promise<BootstrapRecord | null> {
    // No await between the read and the delete, so no other caller can run in between.
    const record = this.#bootstrapKeys.get(key)
    if (this.#bootstrapKeys.delete(key)) this.#revision += 1
    if (!record || record.expiresAt <= now) return null
    return { ...record, orgIds: [...record.orgIds] }
  }

  async listBootstrapKeys(now: number): Promise<BootstrapRecord[]> {
    const live: BootstrapRecord[] = []
    for (const record of this.#bootstrapKeys.values()) {
      if (record.expiresAt > now) live.push({ ...record, orgIds: [...record.orgIds] })
    }
    return live.sort((a, b) => a.createdAt - b.createdAt)
  }

  async getDocument(name: string): Promise<string | null> {
    return this.#documents.get(name) ?? null
  }

  async compareAndSetDocument(name: string, expected: string | null, next: string) {
    if ((this.#documents.get(name) ?? null) !== expected) return false
    this.#documents.set(name, next)
    this.#revision += 1
    return true
  }

  async deleteDocument(name: string): Promise<void> {
    if (this.#documents.delete(name)) this.#revision += 1
  }

  async resetOrg(orgId: string, integrationIds: string[]): Promise<void> {
    this.#revision += 1
    for (const integrationId of integrationIds) this.#queues.delete(queueName(orgId, integrationId))
    for (const [key, record] of this.#bootstrapKeys) {
      if (record.orgIds.includes(orgId)) this.#bootstrapKeys.delete(key)
    }
  }

  async clearBootstrapKeys(): Promise<number> {
    const count = this.#bootstrapKeys.size
    this.#bootstrapKeys.clear()
    return count
  }

  /** Drops everything whose expiry has passed. */
  sweep(now: number): void {
    for (const [name, queue] of this.#queues) {
      prune(queue, now)
      if (queue.tasks.size === 0) this.#queues.delete(name)
    }
    for (const [key, record] of this.#bootstrapKeys) {
      if (record.expiresAt <= now) this.#bootstrapKeys.delete(key)
    }
  }

  snapshot(): MemorySnapshot {
    return {
      version: 1,
      tasks: [...this.#queues.values()].flatMap((queue) => [...queue.tasks.values()]),
      bootstrapKeys: [...this.#bootstrapKeys.values()],
      documents: Object.fromEntries(this.#documents),
    }
  }

  /** Loads a snapshot taken by `snapshot`, keeping only what is still live at `now`. */
  restore(snapshot: MemorySnapshot, now: number): void {
    for (const task of snapshot.tasks) {
      if (task.expiresAt <= now) continue
      const name = queueName(task.orgId, task.integrationId)
      const queue = this.#queues.get(name) ?? { tasks: new Map(), nextExpiry: Infinity }
      queue.tasks.set(task.taskId, task)
      queue.nextExpiry = Math.min(queue.nextExpiry, task.expiresAt)
      this.#queues.set(name, queue)
    }
    for (const record of snapshot.bootstrapKeys) {
      if (record.expiresAt > now) this.#bootstrapKeys.set(record.key, record)
    }
    for (const [name, value] of Object.entries(snapshot.documents)) this.#documents.set(name, value)
  }
}

function queueName(orgId: string, integrationId: string): string {
  return `${orgId}/${integrationId}`
}

function prune(queue: Queue, now: number): void {
  if (now < queue.nextExpiry) return
  let nextExpiry = Infinity
  for (const [taskId, task] of queue.tasks) {
    if (task.expiresAt <= now) queue.tasks.delete(taskId)
    else nextExpiry = Math.min(nextExpiry, task.expiresAt)
  }
  queue.nextExpiry = nextExpiry
}
