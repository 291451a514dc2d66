import t, { type Test } from 'tap'
import { createKeyspace } from '../../src/store/keys.js'
import { MemoryStore } from '../../src/store/memory/memory-store.js'
import { RedisStore } from '../../src/store/redis/redis-store.js'
import type { Store } from '../../src/store/types.js'
import { bootstrapRecord } from '../fixtures/records.js'
import { randomPrefix, requireRedis, testRedisClient } from '../fixtures/redis.js'
import { ORG_A } from '../fixtures/seed.js'
import { newUlid } from '../fixtures/tenants.js'

const T0 = Date.now()
const TTL_MS = 600_000

const record = (key: string, now: number, ttlMs = TTL_MS) =>
  bootstrapRecord(key, now, { ttlMs })

interface Stores {
  /** Several handles on one store: for Redis, each has a connection of its own. */
  handles: Store[]
  /** Real TTL of a key in the backend, in ms (Redis only). */
  pttl?: (name: 'key' | 'index', key?: string) => Promise<number>
}

async function memoryStores(t: Test): Promise<Stores> {
  const store = new MemoryStore({ now: () => T0 })
  t.teardown(() => store.close())
  return { handles: [store] }
}

async function redisStores(t: Test): Promise<Stores | null> {
  if (!(await requireRedis(t))) return null
  const prefix = randomPrefix()
  const keys = createKeyspace(prefix)
  const clients = Array.from({ length: 6 }, () => testRedisClient(t, prefix))
  const handles = clients.map((client) => new RedisStore({ client, prefix, ownsClient: false }))
  const admin = clients[0]!
  return {
    handles,
    pttl: (name, key) =>
      admin.pttl(name === 'key' ? keys.bootstrapKey(key!) : keys.bootstrapIndex()),
  }
}

const kinds: [string, (t: Test) => Promise<Stores | null>][] = [
  ['memory', memoryStores],
  ['redis', redisStores],
]

for (const [kind, open] of kinds) {
  t.test(`${kind}: of many simultaneous takes of one key, exactly one wins`, async (t) => {
    const stores = await open(t)
    if (!stores) return
    const { handles } = stores
    const winners: number[] = []
    for (let round = 0; round < 20; round += 1) {
      const key = newUlid()
      await handles[0]!.putBootstrapKey(record(key, T0), T0)
      const takes = Array.from({ length: 48 }, (_, i) =>
        handles[i % handles.length]!.takeBootstrapKey(key, T0 + 1),
      )
      const results = await Promise.all(takes)
      const won = results.filter((result) => result !== null)
      winners.push(won.length)
      if (won.length === 1) t.same(won[0], record(key, T0), `round ${round}: the whole record`)
    }
    t.same(winners, Array(20).fill(1), 'one winner in each of 20 rounds of 48 concurrent takes')
  })

  t.test(`${kind}: an update never drops a key's TTL`, async (t) => {
    const stores = await open(t)
    if (!stores) return
    const store = stores.handles[0]!
    const [long, short, other] = [newUlid(), newUlid(), newUlid()]
    await store.putBootstrapKey(record(long, T0), T0)
    await store.putBootstrapKey(record(other, T0), T0)
    // An update of the same key, as a use counter or status change would write it.
    await store.putBootstrapKey({ ...record(long, T0), taskId: 'updated' }, T0 + 1000)
    await store.putBootstrapKey(record(short, T0 + 1000, 5000), T0 + 1000)
    await store.takeBootstrapKey(other, T0 + 2000)

    const updated = await store.getBootstrapKey(long, T0 + TTL_MS - 1)
    t.match(updated, { taskId: 'updated' }, 'the update is live until its original expiry')
    t.equal(await store.getBootstrapKey(long, T0 + TTL_MS), null, 'and not a moment longer')
    t.equal(await store.getBootstrapKey(short, T0 + 6000), null, 'the short key expires on time')

    if (!stores.pttl) return
    const keyTtl = await stores.pttl('key', long)
    t.ok(keyTtl > 0 && keyTtl <= TTL_MS, `the updated key still has its Redis TTL (${keyTtl} ms)`)
    const indexTtl = await stores.pttl('index')
    t.ok(
      indexTtl > TTL_MS - 60_000,
      `the index outlives its longest key, despite a shorter key and a take (${indexTtl} ms)`,
    )
  })
}

t.test('redis: scripts survive a Redis that forgot them (SCRIPT FLUSH)', async (t) => {
  if (!(await requireRedis(t))) return
  const prefix = randomPrefix()
  const client = testRedisClient(t, prefix)
  const store = new RedisStore({ client, prefix, ownsClient: false })
  const put = (taskId: string) =>
    store.putTask({
      orgId: ORG_A,
      integrationId: newUlid(),
      taskId,
      payloadJson: '{}',
      now: T0,
      ttlMs: 60_000,
      maxTasks: 10,
    })
  t.match(await put('before'), { status: 'stored' }, 'the script runs')
  await client.script('FLUSH')
  t.match(await put('after'), { status: 'stored' }, 'and runs again after SCRIPT FLUSH')
  t.equal(await store.compareAndSetDocument('doc', null, 'v1'), true, 'so does compare-and-set')
})
