// The bench's own Redis access: reachability, memory figures and removal of its keys.
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'

export const BENCH_REDIS_URL =
  process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

export function benchPrefix(): string {
  return `bench-${randomBytes(6).toString('hex')}:`
}

export async function connectBenchRedis(): Promise<Redis | null> {
  const client = new Redis(BENCH_REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    enableAutoPipelining: true,
  })
  try {
    await client.connect()
    await client.ping()
    return client
  } catch {
    client.disconnect()
    return null
  }
}

/** Deletes every key under `prefix`; UNLINK frees big queues off Redis's main thread. */
export async function deleteByPrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = '0'
  let deleted = 0
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    if (keys.length > 0) deleted += await client.unlink(...keys)
    cursor = next
  } while (cursor !== '0')
  return deleted
}

export async function usedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory')
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN)
}

/** MEMORY USAGE with every element sampled (SAMPLES 0), so big collections are exact. */
export async function memoryUsage(client: Redis, key: string): Promise<number> {
  const bytes = (await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) as number | null
  return bytes ?? 0
}
