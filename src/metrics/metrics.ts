import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { QueueDepthSample } from './queue-depth.js'

/** Seconds; from a cached read (~1 ms) to a request stuck behind a Redis timeout (1 s+). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

export interface MetricsOptions {
  /** Current queue lengths; called on each scrape (the sampler caches and bounds the cost). */
  queueDepth: () => Promise<QueueDepthSample[]>
  /** Called when the queue depth could not be read; the gauge is then left empty. */
  onQueueDepthError: (error: unknown) => void
  /** Node process metrics (CPU, memory, event loop, GC). They install process-wide observers,
   * so tests that build many apps leave them off. */
  processMetrics: boolean
}

/**
 * The server's Prometheus metrics, in a registry of their own: every app instance counts for
 * itself, so tests that build many apps in one process do not collide, and each server
 * process behind a load balancer is scraped on its own.
 *
 * Counters other modules bump, by name: `bootstrapKeysMinted` (a bootstrap key stored),
 * `bootstrapKeysUsed` (an installer served for a key, HEAD not counted), `bootstrapKeysExpired`
 * (a refused key whose ULID time plus the key TTL lies in the past: it expired, or it was
 * made up with an old timestamp; storage keeps nothing of an expired key to tell them apart),
 * `redisErrors` (labelled `source`: `command` or `connection`).
 */
export class Metrics {
  readonly registry = new Registry()
  readonly httpRequests: Counter<'operation' | 'method' | 'status'>
  readonly httpDuration: Histogram<'operation' | 'method'>
  readonly redisErrors: Counter<'source'>
  readonly bootstrapKeysMinted: Counter
  readonly bootstrapKeysUsed: Counter
  readonly bootstrapKeysExpired: Counter
  readonly queueDepth: Gauge<'org' | 'integration'>

  constructor(options: MetricsOptions) {
    const registers = [this.registry]
    this.httpRequests = new Counter({
      name: 'lan_agent_http_requests_total',
      help: 'HTTP requests answered, by operation id, method and status code.',
      labelNames: ['operation', 'method', 'status'],
      registers,
    })
    this.httpDuration = new Histogram({
      name: 'lan_agent_http_request_duration_seconds',
      help: 'Time from receiving a request to sending the last byte of its reply.',
      labelNames: ['operation', 'method'],
      buckets: LATENCY_BUCKETS,
      registers,
    })
    this.redisErrors = new Counter({
      name: 'lan_agent_redis_errors_total',
      help:
        'Redis failures: commands that failed because Redis was unavailable (source=command), ' +
        'and errors the client reported on its connections (source=connection).',
      labelNames: ['source'],
      registers,
    })
    this.bootstrapKeysMinted = new Counter({
      name: 'lan_agent_bootstrap_keys_minted_total',
      help: 'Bootstrap keys minted.',
      registers,
    })
    this.bootstrapKeysUsed = new Counter({
      name: 'lan_agent_bootstrap_keys_used_total',
      help: 'Installers served for a bootstrap key.',
      registers,
    })
    this.bootstrapKeysExpired = new Counter({
      name: 'lan_agent_bootstrap_keys_expired_total',
      help: 'Bootstrap keys presented after they expired.',
      registers,
    })
    // Both sources start at zero, so a dashboard shows 0 rather than "no data" before a fault.
    this.redisErrors.inc({ source: 'command' }, 0)
    this.redisErrors.inc({ source: 'connection' }, 0)

    const { queueDepth, onQueueDepthError } = options
    this.queueDepth = new Gauge({
      name: 'lan_agent_queue_depth',
      help: 'Live tasks per integration queue, sampled at scrape time (cached a few seconds).',
      labelNames: ['org', 'integration'],
      registers,
      async collect() {
        this.reset()
        try {
          for (const sample of await queueDepth()) {
            this.set({ org: sample.orgId, integration: sample.integrationId }, sample.depth)
          }
        } catch (error) {
          // No series beats a stale one: an alert on the gauge then sees the gap.
          onQueueDepthError(error)
        }
      },
    })
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry })
  }

  get contentType(): string {
    return this.registry.contentType
  }

  text(): Promise<string> {
    return this.registry.metrics()
  }
}
