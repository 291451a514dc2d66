// `npm run bench -- --scale`: does the cost of an operation stay flat when the data grows?
// Two servers of the same build run on Redis under two key prefixes: one with small data, one
// whose integration A2 holds 100,000 queued tasks and whose bootstrap-key space holds 100,000
// keys, filled straight through RedisStore (the real Lua scripts and key layout, only faster
// than HTTP). Each operation is measured on both, back to back, so the machine's noise hits
// both alike; the ratio large / small is the result. Also reports Redis memory per queued
// task and per bootstrap key.
//
// `tasks` returns every id of a queue, so its reply grows with the queue by design. Two rows
// keep that apart: `tasks` lists a normal-size queue (A1, 10 ids) while the other data is at
// 100,000 (that cost should stay flat), and `tasks-100k` lists A2 itself, with one connection
// and last, so its multi-megabyte replies neither queue up nor slow the rows after it.
import { randomUlidSource } from '../../src/ids/random-ulid.js'
import { RedisStore } from '../../src/store/redis/redis-store.js'
import type { BootstrapRecord } from '../../src/store/types.js'
import {
  INTEGRATION_A1,
  INTEGRATION_A2,
  ORG_A,
  SMALL_QUEUE,
  type DriveResult,
  type OperationName,
} from './operations.js'
import {
  BENCH_REDIS_URL,
  benchPrefix,
  connectBenchRedis,
  deleteByPrefix,
  memoryUsage,
  usedMemory,
} from './redis.js'
import { errorCount } from './report.js'
import { log, machineLine, mintBootstrapKey, type LoadSettings, type Measure } from './measure.js'
import { startServer, stopAll, type Target } from './targets.js'

export const SCALE_ENTRIES = 100_000
const FILL_CONCURRENCY = 500
const TASK_TTL_MS = 24 * 3600 * 1000
/** Runs `work(i)` for i in [0, count) with at most `FILL_CONCURRENCY` in flight. */
async function fill(count: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: FILL_CONCURRENCY }, async () => {
      while (next < count) await work(next++)
    }),
  )
}

const SCALE_OPERATIONS: OperationName[] = [
  'task-spec',
  'tasks',
  'bootstrap-token',
  'bootstrap.sh',
  'tasks-100k',
]

const kib = (bytes: number) => `${bytes.toFixed(0)} B`

export async function runScale(
  repoRoot: string,
  settings: LoadSettings,
  measure: Measure,
): Promise<void> {
  const started = Date.now()
  const redis = await connectBenchRedis()
  if (!redis) throw new Error(`--scale needs Redis; none answers at ${BENCH_REDIS_URL}`)
  const prefixes = { small: benchPrefix(), large: benchPrefix() }
  const store = new RedisStore({ client: redis, prefix: prefixes.large, ownsClient: false })
  const servers: Target[] = []
  try {
    const [small, large] = await Promise.all(
      (['small', 'large'] as const).map((size) =>
        startServer({
          repoRoot,
          name: `redis-${size}`,
          env: {
            REDIS_URL: BENCH_REDIS_URL,
            REDIS_KEY_PREFIX: prefixes[size],
            TASK_QUEUE_MAX: String(SCALE_ENTRIES * 2),
          },
        }),
      ),
    )
    if (!small || !large) throw new Error('a server did not start')
    servers.push(small, large)
    const keys = new Map<Target, string>()
    for (const server of servers) {
      const key = await mintBootstrapKey(server)
      if (!key) throw new Error('the server has no bootstrap-token route')
      keys.set(server, key)
    }
    const ids = randomUlidSource()
    const put = (target: RedisStore, integrationId: string, taskId: string) =>
      target.putTask({
        orgId: ORG_A,
        integrationId,
        taskId,
        payloadJson: '{"door":"front"}',
        now: Date.now(),
        ttlMs: TASK_TTL_MS,
        maxTasks: SCALE_ENTRIES * 2,
      })
    const smallStore = new RedisStore({ client: redis, prefix: prefixes.small, ownsClient: false })
    for (const target of [smallStore, store]) {
      await fill(SMALL_QUEUE, (i) => put(target, INTEGRATION_A1, `bench-${i}`))
    }

    log(`filling queue A2 with ${SCALE_ENTRIES} tasks`)
    const usedBeforeTasks = await usedMemory(redis)
    const fillStarted = Date.now()
    await fill(SCALE_ENTRIES, () => put(store, INTEGRATION_A2, ids(Date.now())))
    const taskFillSeconds = (Date.now() - fillStarted) / 1000
    const usedAfterTasks = await usedMemory(redis)
    const queueKeys = await redis.keys(`${prefixes.large}*queue:${INTEGRATION_A2}:*`)
    const queueBytes = (
      await Promise.all(queueKeys.map((key) => memoryUsage(redis, key)))
    ).reduce((a, b) => a + b, 0)

    log(`filling the bootstrap-key space with ${SCALE_ENTRIES} keys`)
    const template = await store.getBootstrapKey(keys.get(large) ?? '', Date.now())
    if (!template) throw new Error('the minted bootstrap key is not in the store')
    const indexKey = `${prefixes.large}{bootstrap}:index`
    const indexBefore = await memoryUsage(redis, indexKey)
    const keysBefore = await redis.zcard(indexKey)
    const keysAdded = SCALE_ENTRIES - keysBefore
    const usedBeforeKeys = await usedMemory(redis)
    const fillerKeys: string[] = []
    await fill(keysAdded, async () => {
      const now = Date.now()
      const key = ids(now)
      fillerKeys.push(key)
      const record: BootstrapRecord = { ...template, key, createdAt: now, expiresAt: now + 3600_000 }
      await store.putBootstrapKey(record, now)
    })
    const usedAfterKeys = await usedMemory(redis)
    const indexAfter = await memoryUsage(redis, indexKey)
    const sample = fillerKeys.slice(0, 200)
    const recordBytes =
      (
        await Promise.all(
          sample.map((key) => memoryUsage(redis, `${prefixes.large}{bootstrap}:key:${key}`)),
        )
      ).reduce((a, b) => a + b, 0) / sample.length

    const results = { small: new Map<OperationName, DriveResult>(), large: new Map<OperationName, DriveResult>() }
    for (const operation of SCALE_OPERATIONS) {
      for (const [size, server] of [['small', small], ['large', large]] as const) {
        log(`${operation} on ${server.name}`)
        const result = await measure(server, operation, {
          bootstrapKey: keys.get(server),
          taskSpecIntegration: INTEGRATION_A2,
          connections: operation === 'tasks-100k' ? 1 : undefined,
        })
        results[size].set(operation, result)
      }
    }
    const peaks = servers.map((server) => `${server.name} ${server.peakMemoryMiB()?.toFixed(0) ?? '?'} MiB`)
    const added = SCALE_ENTRIES
    const queueBytesAfter = queueBytes
    const queueBytesBefore = 0

    const out: string[] = []
    out.push(`Machine: ${machineLine()}`)
    out.push(
      `Load: autocannon, ${settings.connections} connections, ${settings.warmupSeconds} s ` +
        `warm-up + ${settings.durationSeconds} s per operation; server on Redis (${BENCH_REDIS_URL}).`,
    )
    out.push(
      `Large data: queue A2 at ${SCALE_ENTRIES} tasks (filled in ${taskFillSeconds.toFixed(1)} s), ` +
        `${SCALE_ENTRIES} bootstrap keys. task-spec writes into A2; tasks lists A1 (${SMALL_QUEUE} ids); ` +
        'tasks-100k lists A2 itself, with 1 connection. Small and large alternate per operation.',
    )
    out.push('')
    out.push(
      '| operation | small req/s | large req/s | large / small | small p99 ms | large p99 ms | ' +
        'errors | CPU µs/req small → large |',
    )
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |')
    const failures: string[] = []
    for (const operation of SCALE_OPERATIONS) {
      const a = results.small.get(operation)
      const b = results.large.get(operation)
      if (!a || !b) continue
      const ratio = b.requestsPerSecond / a.requestsPerSecond
      const errors = errorCount(a) + errorCount(b)
      out.push(
        `| ${operation} | ${Math.round(a.requestsPerSecond)} | ${Math.round(b.requestsPerSecond)} | ` +
          `${ratio.toFixed(2)} | ${a.p99} | ${b.p99} | ${errors} | ` +
          `${a.cpuMicrosPerRequest?.toFixed(0) ?? '?'} → ${b.cpuMicrosPerRequest?.toFixed(0) ?? '?'} |`,
      )
      // tasks-100k grows with its reply by design; every other row must stay within 1.3x.
      if (operation !== 'tasks-100k' && ratio < 1 / 1.3) {
        failures.push(`${operation}: large run at ${ratio.toFixed(2)} of the small run`)
      }
      if (operation !== 'tasks-100k' && errors > 0) failures.push(`${operation}: ${errors} errors`)
    }
    const perTaskInfo = (usedAfterTasks - usedBeforeTasks) / added
    const perTaskKeys = (queueBytesAfter - queueBytesBefore) / added
    const perKeyInfo = (usedAfterKeys - usedBeforeKeys) / keysAdded
    const perKeyIndex = (indexAfter - indexBefore) / keysAdded
    out.push('')
    out.push(
      `Redis memory per queued task (payload {"door":"front"}, 26-character id): ` +
        `${kib(perTaskKeys)} by MEMORY USAGE of the queue's keys, ` +
        `${kib(perTaskInfo)} by INFO used_memory (shared Redis: other clients add noise).`,
    )
    out.push(
      `Redis memory per bootstrap key: ${kib(recordBytes + perKeyIndex)} by MEMORY USAGE ` +
        `(record ${kib(recordBytes)} + index entry ${kib(perKeyIndex)}), ` +
        `${kib(perKeyInfo)} by INFO used_memory. The record holds the signed JWT ` +
        `(${template.token.length} characters).`,
    )
    if (perTaskKeys >= 1024) failures.push(`${kib(perTaskKeys)} per task is not under 1 KiB`)
    out.push(`Server peak memory (VmHWM): ${peaks.join(', ')}`)
    out.push(
      `${failures.length === 0 ? 'All scale targets hold' : `Missed: ${failures.join('; ')}`}; ` +
        `run took ${((Date.now() - started) / 1000).toFixed(0)} s.`,
    )
    process.stdout.write(`${out.join('\n')}\n`)
  } finally {
    await Promise.all(servers.map((server) => server.stop()))
    stopAll()
    for (const prefix of Object.values(prefixes)) await deleteByPrefix(redis, prefix)
    redis.disconnect()
  }
}
