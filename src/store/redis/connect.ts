import { Cluster, Redis, type RedisOptions } from 'ioredis'
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { RedisClient } from './scripts.js'

export interface RedisConnectOptions {
  url?: string
  clusterNodes?: string
  connectTimeoutMs: number
  commandTimeoutMs: number
  logger: Logger
}

/**
 * Options chosen so an outage costs a client at most about a second, never a hang: commands are
 * not queued while disconnected, each is retried at most once and times out, and reconnection
 * keeps going in the background with a capped backoff.
 */
function clientOptions(options: RedisConnectOptions): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: Math.min(options.connectTimeoutMs, 2_000),
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2_000),
    reconnectOnError: (error) => /READONLY/.test(error.message),
  }
}

function parseNodes(list: string): { host: string; port: number }[] {
  return list.split(',').map((seed) => {
    const colon = seed.lastIndexOf(':')
    return { host: seed.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(seed.slice(colon + 1)) }
  })
}

/** Creates a client and waits until it is ready, or throws after `connectTimeoutMs`. */
export async function connectRedis(options: RedisConnectOptions): Promise<RedisClient> {
  const base = clientOptions(options)
  const client: RedisClient = options.clusterNodes
    ? new Cluster(parseNodes(options.clusterNodes), {
        lazyConnect: true,
        enableOfflineQueue: false,
        redisOptions: base,
        clusterRetryStrategy: base.retryStrategy,
        slotsRefreshTimeout: 2_000,
      })
    : new Redis(options.url ?? 'redis://127.0.0.1:6379', base)

  const log = options.logger
  let down = false
  client.on('error', (error: Error) => {
    // ioredis repeats the same error on every reconnect attempt; one line per outage is enough.
    if (!down) log.error({ err: error }, 'redis connection error')
    down = true
  })
  client.on('ready', () => {
    if (down) log.info('redis connection restored')
    down = false
  })

  const timeout = AbortSignal.timeout(options.connectTimeoutMs)
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timeout.addEventListener('abort', () =>
          reject(new Error(`redis not ready within ${options.connectTimeoutMs} ms`)),
        )
      }),
    ])
  } catch (error) {
    client.disconnect()
    throw error
  }
  return client
}
