import fp from 'fastify-plugin'
import { MemoryStore } from '../../store/memory/memory-store.js'
import { connectRedis } from '../../store/redis/connect.js'
import { RedisStore } from '../../store/redis/redis-store.js'
import type { Store } from '../../store/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
  }
}

export interface StorePluginOptions {
  /** A store made by the caller (tests); the app then leaves closing it to the caller. */
  store?: Store
}

/** Chooses the store: Redis (cluster or single) when configured, else the embedded one. */
export default fp<StorePluginOptions>(
  async (app, options) => {
    const { config } = app
    const log = app.log.child({ component: 'store' })
    let store = options.store
    const owned = store === undefined
    if (!store) {
      if (config.REDIS_CLUSTER_NODES || config.REDIS_SENTINELS || config.REDIS_URL) {
        const client = await connectRedis({
          url: config.REDIS_URL,
          clusterNodes: config.REDIS_CLUSTER_NODES,
          sentinels: config.REDIS_SENTINELS,
          sentinelName: config.REDIS_SENTINEL_NAME,
          connectTimeoutMs: config.REDIS_CONNECT_TIMEOUT_MS,
          commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
          logger: log,
        })
        store = new RedisStore({ client, prefix: config.REDIS_KEY_PREFIX, ownsClient: true })
        const mode = config.REDIS_CLUSTER_NODES
          ? 'cluster'
          : config.REDIS_SENTINELS
            ? 'sentinel'
            : 'single'
        log.info({ mode, prefix: config.REDIS_KEY_PREFIX }, 'using redis store')
      } else {
        store = new MemoryStore({ now: () => app.clock.now() })
        log.info('using the embedded in-memory store')
      }
    }
    app.decorate('store', store)
    if (owned) app.addHook('onClose', async () => store.close())
  },
  { name: 'store', dependencies: ['core'] },
)
