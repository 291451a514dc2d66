import type { FastifyBaseLogger as Logger } from 'fastify'
import type { MemoryStore } from './memory-store.js'
import type { SnapshotFile } from './snapshot-file.js'

export interface MemoryPersistenceOptions {
  store: MemoryStore
  file: SnapshotFile
  /** 0 writes only when asked (shutdown). */
  intervalMs: number
  logger: Logger
}

/**
 * Keeps the embedded store's state on disk: a write whenever the state changed since the last
 * one, at most every `intervalMs`, and a final one at shutdown. So a clean stop loses nothing,
 * and a crash (SIGKILL, power loss) loses at most the last interval of changes.
 */
export class MemoryPersistence {
  readonly #options: MemoryPersistenceOptions
  #savedRevision = -1
  #writing: Promise<void> = Promise.resolve()
  #timer: NodeJS.Timeout | undefined
  #failing = false

  constructor(options: MemoryPersistenceOptions) {
    this.#options = options
  }

  start(): void {
    if (this.#options.intervalMs === 0) return
    this.#timer = setInterval(() => {
      this.flush().catch(() => {
        // flush() has logged it; the next tick tries again.
      })
    }, this.#options.intervalMs)
    this.#timer.unref()
  }

  /** Writes the state if it changed; concurrent callers share the write in progress. */
  flush(): Promise<void> {
    this.#writing = this.#writing.catch(() => undefined).then(() => this.#write())
    return this.#writing
  }

  /** Stops the timer and writes what is left. Rejects when the final write fails. */
  async stop(): Promise<void> {
    clearInterval(this.#timer)
    await this.flush()
  }

  async #write(): Promise<void> {
    const { store, file, logger } = this.#options
    const revision = store.revision
    if (revision === this.#savedRevision) return
    const snapshot = store.snapshot()
    try {
      await file.save(snapshot)
    } catch (error) {
      // One line per run of failures: a full disk would otherwise log every interval.
      if (!this.#failing) logger.error({ err: error, path: file.path }, 'cannot save store state')
      this.#failing = true
      throw error
    }
    if (this.#failing) logger.info({ path: file.path }, 'store state saved again')
    this.#failing = false
    this.#savedRevision = revision
    logger.debug(
      {
        path: file.path,
        tasks: snapshot.tasks.length,
        bootstrap_keys: snapshot.bootstrapKeys.length,
      },
      'store state saved',
    )
  }
}
