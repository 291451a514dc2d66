import fp from 'fastify-plugin'
import { Metrics } from '../../metrics/metrics.js'
import { QueueDepthSampler } from '../../metrics/queue-depth.js'
import { RedisStore } from '../../store/redis/redis-store.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}

/** A scrape reuses a queue-depth sample younger than this. */
const QUEUE_DEPTH_MAX_AGE_MS = 5_000
/** Queues read per sample at most: bounds a scrape to this many store round trips. */
const QUEUE_DEPTH_MAX_INTEGRATIONS = 500

/** Label for requests no route matched (404s), so stray paths cannot grow the label set. */
const UNMATCHED = 'unmatched'

/**
 * Counts every reply by operation id and status, times it, counts Redis failures, and samples
 * queue lengths when Prometheus scrapes `/metrics`.
 */
export default fp(
  async (app) => {
    const log = app.log.child({ component: 'metrics' })
    const sampler = new QueueDepthSampler({
      integrations: () => app.directory.integrations(),
      depth: async (orgId, integrationId) =>
        (await app.store.listTaskIds(orgId, integrationId, app.clock.now())).length,
      now: () => Date.now(),
      maxAgeMs: QUEUE_DEPTH_MAX_AGE_MS,
      maxIntegrations: QUEUE_DEPTH_MAX_INTEGRATIONS,
    })
    const metrics = new Metrics({
      queueDepth: () => sampler.sample(),
      onQueueDepthError: (error) => log.warn({ err: error }, 'queue depth not sampled'),
      processMetrics: app.config.NODE_ENV !== 'test',
    })
    app.decorate('metrics', metrics)

    app.addHook('onResponse', async (request, reply) => {
      const operation =
        (request.routeOptions.schema as { operationId?: string } | undefined)?.operationId ??
        request.routeOptions.url ??
        UNMATCHED
      const method = request.method
      metrics.httpRequests.inc({ operation, method, status: String(reply.statusCode) })
      metrics.httpDuration.observe({ operation, method }, reply.elapsedTime / 1000)
    })

    const { store } = app
    if (store instanceof RedisStore) {
      const stopCounting = store.onUnavailable(() => metrics.redisErrors.inc({ source: 'command' }))
      const onConnectionError = () => metrics.redisErrors.inc({ source: 'connection' })
      // A cluster client reports a failing node as 'node error', and only cluster-wide trouble
      // as 'error'; a single client has 'error' alone.
      store.client.on('error', onConnectionError)
      store.client.on('node error', onConnectionError)
      app.addHook('onClose', async () => {
        stopCounting()
        store.client.off('error', onConnectionError)
        store.client.off('node error', onConnectionError)
      })
    }
  },
  { name: 'metrics', dependencies: ['core', 'store'] },
)
