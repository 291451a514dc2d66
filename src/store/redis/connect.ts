import { Cluster, Redis, type RedisOptions } from 'ioredis'
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { RedisClient } from './scripts.js'

export interface RedisConnectOptions {
  url?: string
  clusterNodes?: string
  /** host:port list of Redis Sentinels, and the name of the master they watch. */
  sentinels?: string
  sentinelName?: string
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
    retryStrategy: backoff,
    reconnectOnError: (error) => /READONLY/.test(error.message),
  }
}

/** 100 ms doubling up to 2 s between reconnection attempts, forever. */
function backoff(attempt: number): number {
  return Math.min(100 * 2 ** Math.min(attempt, 5), 2_000)
}

function createClient(options: RedisConnectOptions): RedisClient {
  const base = clientOptions(options)
  const url = options.url ?? 'redis://127.0.0.1:6379'
  if (options.clusterNodes) {
    return new Cluster(parseNodes(options.clusterNodes), {
      lazyConnect: true,
      enableOfflineQueue: false,
      redisOptions: base,
      clusterRetryStrategy: backoff,
      slotsRefreshTimeout: 2_000,
    })
  }
  if (options.sentinels) {
    // ioredis asks the Sentinels for the current master, and again after a failover; the URL,
    // when given, then only supplies credentials and the database number.
    return new Redis(url, {
      ...base,
      sentinels: parseNodes(options.sentinels),
      name: options.sentinelName ?? 'mymaster',
      sentinelRetryStrategy: backoff,
    })
  }
  return new Redis(url, base)
}

function parseNodes(list: string): { host: string; port: number }[] {
  return list.split(',').map((seed) => {
    const colon = seed.lastIndexOf(':')
    const host = seed.slice(0, colon).replace(/^\[|\]$/g, '')
    return { host, port: Number(seed.slice(colon + 1)) }
  })
}

/** Creates a client and waits until it is ready, or throws after `connectTimeoutMs`. */
export async function connectRedis(options: RedisConnectOptions): Promise<RedisClient> {
  const client = createClient(options)

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
