import type { FastifyBaseLogger } from 'fastify'
import fp from 'fastify-plugin'
import { MemoryStore } from '../../store/memory/memory-store.js'
import { MemoryPersistence } from '../../store/memory/persistence.js'
import { SnapshotFile } from '../../store/memory/snapshot-file.js'
import { connectRedis } from '../../store/redis/connect.js'
import { RedisStore } from '../../store/redis/redis-store.js'
import type { RedisClient } from '../../store/redis/scripts.js'
import type { Store } from '../../store/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
    /** The store's Redis client when the store is Redis (shared by the rate limiter), else null. */
    redis: RedisClient | null
    /** Where rate-limit counters go in Redis: under the store's own key prefix. */
    rateLimitNamespace: string
  }
}

export interface StorePluginOptions {
  /** A store made by the caller (tests); the app then leaves closing it to the caller. */
  store?: Store
}

/**
 * Chooses the store: Redis (cluster or single) when configured, else the embedded one, kept in
 * DATA_DIR across restarts when that is set.
 */
export default fp<StorePluginOptions>(
  async (app, options) => {
    const { config } = app
    const log = app.log.child({ component: 'store' })
    let store = options.store
    const owned = store === undefined
    if (!store) {
      if (config.REDIS_CLUSTER_NODES || config.REDIS_URL) {
        const client = await connectRedis({
          url: config.REDIS_URL,
          clusterNodes: config.REDIS_CLUSTER_NODES,
          connectTimeoutMs: config.REDIS_CONNECT_TIMEOUT_MS,
          commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
          logger: log,
        })
        store = new RedisStore({ client, prefix: config.REDIS_KEY_PREFIX, ownsClient: true })
        log.info(
          { cluster: Boolean(config.REDIS_CLUSTER_NODES), prefix: config.REDIS_KEY_PREFIX },
          'using redis store',
        )
        if (!config.REDIS_CLUSTER_NODES) await warnWithoutAppendOnly(client, log)
      } else {
        const embedded = await openEmbeddedStore(config, () => app.clock.now(), log)
        store = embedded.store
        const { persistence } = embedded
        // The last write runs in onClose, which Fastify calls once the server has drained.
        if (persistence) app.addHook('onClose', async () => persistence.stop())
      }
    }
    const redis = store instanceof RedisStore ? store : null
    app.decorate('store', store)
    app.decorate<RedisClient | null>('redis', redis?.client ?? null)
    app.decorate('rateLimitNamespace', redis?.keyspace.rateLimitNamespace() ?? '')
    if (owned) app.addHook('onClose', async () => store.close())
  },
  { name: 'store', dependencies: ['core'] },
)

interface EmbeddedConfig {
  DATA_DIR?: string
  DATA_FLUSH_INTERVAL_MS: number
}

/**
 * The embedded store, restored from DATA_DIR when set. The first write happens before the
 * server listens, so a directory that cannot be written stops the start instead of losing
 * state at the first shutdown.
 */
async function openEmbeddedStore(
  config: EmbeddedConfig,
  now: () => number,
  log: FastifyBaseLogger,
) {
  const store = new MemoryStore({ now })
  if (!config.DATA_DIR) {
    log.info('using the embedded store; its state is in memory only (set DATA_DIR to keep it)')
    return { store, persistence: null }
  }
  const file = new SnapshotFile(config.DATA_DIR)
  const snapshot = file.load()
  if (snapshot) store.restore(snapshot, now())
  const persistence = new MemoryPersistence({
    store,
    file,
    intervalMs: config.DATA_FLUSH_INTERVAL_MS,
    logger: log,
  })
  await persistence.flush()
  persistence.start()
  const live = store.snapshot()
  log.info(
    {
      path: file.path,
      restored: snapshot !== null,
      tasks: live.tasks.length,
      bootstrap_keys: live.bootstrapKeys.length,
    },
    'using the embedded store, kept in DATA_DIR',
  )
  return { store, persistence }
}

/**
 * A 200 means the write reached Redis; whether it survives a Redis restart is Redis's own
 * persistence. Said once at start, since an operator can only fix it in Redis's configuration.
 */
async function warnWithoutAppendOnly(client: RedisClient, log: FastifyBaseLogger) {
  try {
    const info = await client.info('persistence')
    if (/^aof_enabled:0\s*$/m.test(info)) {
      log.warn(
        'redis runs without append-only persistence: acknowledged writes since its last ' +
          'snapshot are lost if Redis restarts (run it with --appendonly yes)',
      )
    }
  } catch (error) {
    // Managed Redis services may refuse INFO; persistence is then theirs to guarantee.
    log.debug({ err: error }, 'cannot read redis persistence settings')
  }
}
