import type { FastifyBaseLogger as Logger } from 'fastify'

export interface Refreshable {
  refresh(): Promise<void>
}

export interface AdminSyncOptions {
  /** The shared documents, and the keyring (so a rotation elsewhere is seen here too). */
  sources: Refreshable[]
  intervalMs: number
  logger: Logger
}

/**
 * Re-reads the shared admin state every `intervalMs`, so a change made through any instance is
 * in force on every instance within `intervalMs` plus one store round trip (the instance that
 * made it applies it at once). A timer rather than a read on each request: requests never wait
 * for it, and `GET /lan-agent/meta` keeps not touching the store. The next round is scheduled
 * only after the previous one ended, so a slow store never stacks up reads.
 */
export class AdminSync {
  readonly #options: AdminSyncOptions
  #timer: NodeJS.Timeout | null = null
  #stopped = false
  #failing = false

  constructor(options: AdminSyncOptions) {
    this.#options = options
  }

  /** One round now; failures are logged (once per outage), never thrown. */
  async refresh(): Promise<void> {
    const results = await Promise.allSettled(this.#options.sources.map((s) => s.refresh()))
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failure && !this.#failing) {
      this.#options.logger.warn({ err: failure.reason }, 'cannot read shared admin state')
    } else if (!failure && this.#failing) {
      this.#options.logger.info('shared admin state readable again')
    }
    this.#failing = failure !== undefined
  }

  start(): void {
    this.#stopped = false
    this.#schedule()
  }

  stop(): void {
    this.#stopped = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
  }

  #schedule(): void {
    if (this.#stopped) return
    this.#timer = setTimeout(() => {
      void this.refresh().finally(() => this.#schedule())
    }, this.#options.intervalMs)
    this.#timer.unref()
  }
}
