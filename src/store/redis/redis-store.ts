import { createKeyspace, type Keyspace } from '../keys.js'
import {
  StoreUnavailableError,
  type BootstrapRecord,
  type PutTaskInput,
  type PutTaskResult,
  type Store,
  type TaskRecord,
} from '../types.js'
import { registerScripts, type RedisClient } from './scripts.js'

/** Bootstrap keys deleted per script call by clearBootstrapKeys: bounds one command's size. */
const CLEAR_BATCH = 1_000

/**
 * Replies that mean "Redis is there but cannot serve right now", not "our command is wrong":
 * a client should retry them, so they become a 503. OOM (maxmemory reached with noeviction) and
 * MISCONF (writes refused after a failed snapshot) clear once an operator acts.
 */
const UNAVAILABLE_REPLY =
  /^(LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|READONLY|NOREPLICAS|OOM|MISCONF)/

/** A reply error that means our command is wrong: a bug, answered 500. */
export class RedisCommandError extends Error {
  override readonly name = 'RedisCommandError'
}

export interface RedisStoreOptions {
  client: RedisClient
  prefix: string
  /** True when this store created the client and must close it. */
  ownsClient: boolean
}

/**
 * The Redis store. Each operation is one round trip (a Lua script or a MULTI), keys of one
 * queue share a hash slot, and every key carries a TTL so nothing outlives its expiry.
 */
export class RedisStore implements Store {
  readonly kind = 'redis'
  readonly #client: RedisClient
  readonly #keys: Keyspace
  readonly #ownsClient: boolean
  readonly #unavailableListeners = new Set<(error: StoreUnavailableError) => void>()

  constructor(options: RedisStoreOptions) {
    this.#client = options.client
    this.#keys = createKeyspace(options.prefix)
    this.#ownsClient = options.ownsClient
    registerScripts(this.#client)
  }

  get client(): RedisClient {
    return this.#client
  }

  get keyspace(): Keyspace {
    return this.#keys
  }

  /** Calls `listener` for every command that failed as "unavailable"; returns the remover. */
  onUnavailable(listener: (error: StoreUnavailableError) => void): () => void {
    this.#unavailableListeners.add(listener)
    return () => this.#unavailableListeners.delete(listener)
  }

  async ping(): Promise<void> {
    await this.#call(() => this.#client.ping())
  }

  async close(): Promise<void> {
    if (!this.#ownsClient) return
    await this.#client.quit().catch(() => this.#client.disconnect())
  }

  async putTask(input: PutTaskInput): Promise<PutTaskResult> {
    const k = this.#queueKeys(input.orgId, input.integrationId)
    const expiresAt = input.now + input.ttlMs
    const [status, queuedAt, created] = await this.#call(() =>
      this.#client.lanPutTask(
        k.order, k.expiry, k.tasks, k.sequence,
        input.now, input.taskId, input.payloadJson, expiresAt, input.maxTasks, input.ttlMs,
      ),
    )
    if (status === 'queue_full') return { status }
    return {
      status: 'stored',
      created: created === 1,
      task: {
        taskId: input.taskId,
        orgId: input.orgId,
        integrationId: input.integrationId,
        payloadJson: input.payloadJson,
        queuedAt: Number(queuedAt),
        expiresAt,
      },
    }
  }

  async listTaskIds(orgId: string, integrationId: string, now: number): Promise<string[]> {
    const k = this.#queueKeys(orgId, integrationId)
    const ids = await this.#call(() =>
      this.#client.lanListTasks(k.order, k.expiry, k.tasks, now, '0'),
    )
    return ids as string[]
  }

  async listTasks(orgId: string, integrationId: string, now: number): Promise<TaskRecord[]> {
    const k = this.#queueKeys(orgId, integrationId)
    const reply = await this.#call(() =>
      this.#client.lanListTasks(k.order, k.expiry, k.tasks, now, '1'),
    )
    if (reply.length === 0) return []
    const [ids, records] = reply as [string[], (string | null)[]]
    const tasks: TaskRecord[] = []
    ids.forEach((taskId, i) => {
      const match = /^(\d+):(\d+):([\s\S]*)$/.exec(records[i] ?? '')
      if (!match) return
      tasks.push({
        taskId,
        orgId,
        integrationId,
        queuedAt: Number(match[1]),
        expiresAt: Number(match[2]),
        payloadJson: match[3] ?? 'null',
      })
    })
    return tasks
  }

  async putBootstrapKey(record: BootstrapRecord, now: number): Promise<void> {
    const ttlMs = Math.max(1, record.expiresAt - now)
    await this.#call(() =>
      this.#client.lanPutBootstrapKey(
        this.#keys.bootstrapKey(record.key), this.#keys.bootstrapIndex(),
        JSON.stringify(record), ttlMs, now, record.expiresAt, record.key,
      ),
    )
  }

  async getBootstrapKey(key: string, now: number): Promise<BootstrapRecord | null> {
    const raw = await this.#call(() => this.#client.get(this.#keys.bootstrapKey(key)))
    return liveRecord(raw, now)
  }

  async takeBootstrapKey(key: string, now: number): Promise<BootstrapRecord | null> {
    const raw = await this.#call(() =>
      this.#client.lanTakeBootstrapKey(
        this.#keys.bootstrapKey(key), this.#keys.bootstrapIndex(), key,
      ),
    )
    return liveRecord(raw, now)
  }

  async listBootstrapKeys(now: number): Promise<BootstrapRecord[]> {
    const keys = await this.#call(() =>
      this.#client.zrangebyscore(this.#keys.bootstrapIndex(), `(${now}`, '+inf'),
    )
    if (keys.length === 0) return []
    const raws = await this.#call(() =>
      this.#client.mget(keys.map((key) => this.#keys.bootstrapKey(key))),
    )
    return raws
      .map((raw) => liveRecord(raw, now))
      .filter((record): record is BootstrapRecord => record !== null)
      .sort((a, b) => a.createdAt - b.createdAt)
  }

  async getDocument(name: string): Promise<string | null> {
    return this.#call(() => this.#client.get(this.#keys.document(name)))
  }

  async compareAndSetDocument(name: string, expected: string | null, next: string) {
    const written = await this.#call(() =>
      this.#client.lanCompareAndSet(
        this.#keys.document(name), expected === null ? '1' : '0', expected ?? '', next,
      ),
    )
    return written === 1
  }

  async deleteDocument(name: string): Promise<void> {
    await this.#call(() => this.#client.del(this.#keys.document(name)))
  }

  async resetOrg(orgId: string, integrationIds: string[]): Promise<void> {
    for (const integrationId of integrationIds) {
      const k = this.#queueKeys(orgId, integrationId)
      await this.#call(() => this.#client.del(k.order, k.expiry, k.tasks, k.sequence))
    }
    const index = this.#keys.bootstrapIndex()
    const keys = await this.#call(() => this.#client.zrange(index, 0, -1))
    if (keys.length === 0) return
    const raws = await this.#call(() =>
      this.#client.mget(keys.map((key) => this.#keys.bootstrapKey(key))),
    )
    const doomed = keys.filter((_, i) => {
      const record = parseRecord(raws[i] ?? null)
      return record === null || record.orgIds.includes(orgId)
    })
    if (doomed.length === 0) return
    await this.#call(() =>
      this.#client
        .multi()
        .del(...doomed.map((key) => this.#keys.bootstrapKey(key)))
        .zrem(index, ...doomed)
        .exec()
        .then(failOnQueuedError),
    )
  }

  /** Deletes every key the index lists, in batches that each drop keys and their entries in
   * one step; a batch names every key it touches, so the script runs on a cluster too. */
  async clearBootstrapKeys(): Promise<number> {
    const index = this.#keys.bootstrapIndex()
    const ids = await this.#call(() => this.#client.zrange(index, 0, -1))
    let deleted = 0
    for (let first = 0; first < ids.length; first += CLEAR_BATCH) {
      const batch = ids.slice(first, first + CLEAR_BATCH)
      const keys = batch.map((id) => this.#keys.bootstrapKey(id))
      deleted += await this.#call(() =>
        this.#client.lanClearBootstrapKeys(1 + keys.length, index, ...keys, ...batch),
      )
    }
    return deleted
  }

  #queueKeys(orgId: string, integrationId: string) {
    return {
      order: this.#keys.queueOrder(orgId, integrationId),
      expiry: this.#keys.queueExpiry(orgId, integrationId),
      tasks: this.#keys.queueTasks(orgId, integrationId),
      sequence: this.#keys.queueSequence(orgId, integrationId),
    }
  }

  /**
   * Runs a command, turning "Redis cannot serve" into StoreUnavailableError and "Redis refused
   * our command" into RedisCommandError. Neither keeps the ioredis error: it carries the
   * command's arguments (bootstrap JWTs, private signing keys), and errors end up in logs.
   */
  async #call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command()
    } catch (error) {
      if (error instanceof StoreUnavailableError || error instanceof RedisCommandError) throw error
      const { name, message } = error as Error
      const commandName = (error as { command?: { name?: string } }).command?.name
      const detail = `${commandName ? `${commandName}: ` : ''}${message}`
      if (name === 'ReplyError' && !isUnavailableReply(error as ReplyWithCauses)) {
        throw new RedisCommandError(`redis refused ${detail}`)
      }
      const unavailable = new StoreUnavailableError(`redis is unavailable (${name}: ${detail})`)
      for (const listener of this.#unavailableListeners) listener(unavailable)
      throw unavailable
    }
  }
}

interface ReplyWithCauses {
  message: string
  /** Set on EXECABORT: the errors that made Redis discard the transaction. */
  previousErrors?: { message: string }[]
}

function isUnavailableReply(error: ReplyWithCauses): boolean {
  const causes = [error, ...(error.previousErrors ?? [])]
  return causes.some((cause) => UNAVAILABLE_REPLY.test(String(cause.message)))
}

type ExecReply = [Error | null, unknown][] | null

function failOnQueuedError(replies: ExecReply): unknown[] {
  if (replies === null) throw new StoreUnavailableError('redis transaction was discarded')
  return replies.map(([error, value]: [Error | null, unknown]) => {
    if (error) throw error
    return value
  })
}

function parseRecord(raw: string | null): BootstrapRecord | null {
  if (raw === null) return null
  try {
    return JSON.parse(raw) as BootstrapRecord
  } catch {
    return null
  }
}

function liveRecord(raw: string | null, now: number): BootstrapRecord | null {
  const record = parseRecord(raw)
  return record !== null && record.expiresAt > now ? record : null
}
