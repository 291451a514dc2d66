export interface QueueDepthSample {
  orgId: string
  integrationId: string
  depth: number
}

export interface QueueDepthSamplerOptions {
  /** The integrations to sample, read at every sample so fixtures added later are included. */
  integrations: () => { id: string; orgId: string }[]
  /** Live tasks of one queue (the store drops expired ones as it reads). */
  depth: (orgId: string, integrationId: string) => Promise<number>
  now: () => number
  /** A sample younger than this is served again: scrapes from several Prometheus servers, or
   * a scrape interval shorter than this, cost the store nothing extra. */
  maxAgeMs: number
  /** At most this many queues are read per sample (the first ones by integration id). */
  maxIntegrations: number
}

/**
 * Reads queue lengths for the metrics endpoint at a bounded cost: one store read per
 * integration, at most `maxIntegrations` of them, at most once per `maxAgeMs`, and one sample
 * in flight at a time however many scrapes arrive together.
 */
export class QueueDepthSampler {
  readonly #options: QueueDepthSamplerOptions
  #cached: { at: number; samples: QueueDepthSample[] } | null = null
  #inFlight: Promise<QueueDepthSample[]> | null = null

  constructor(options: QueueDepthSamplerOptions) {
    this.#options = options
  }

  sample(): Promise<QueueDepthSample[]> {
    const { now, maxAgeMs } = this.#options
    if (this.#cached && now() - this.#cached.at < maxAgeMs) {
      return Promise.resolve(this.#cached.samples)
    }
    this.#inFlight ??= this.#read().finally(() => {
      this.#inFlight = null
    })
    return this.#inFlight
  }

  async #read(): Promise<QueueDepthSample[]> {
    const { integrations, depth, now, maxIntegrations } = this.#options
    const chosen = [...integrations()]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, maxIntegrations)
    const samples = await Promise.all(
      chosen.map(async ({ id, orgId }) => ({
        orgId,
        integrationId: id,
        depth: await depth(orgId, id),
      })),
    )
    this.#cached = { at: now(), samples }
    return samples
  }
}
