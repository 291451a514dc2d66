import t from 'tap'
import { createKeyspace } from '../../src/store/keys.js'
import { bootstrapRecord } from '../fixtures/records.js'
import { requireRedis, testRedisStore } from '../fixtures/redis.js'
import { ORG_A } from '../fixtures/seed.js'

const MINUTE = 60_000

const record = (key: string, now: number, ttlMs: number) =>
  bootstrapRecord(key, now, { ttlMs })

t.test('redis: the bootstrap index lives as long as its longest-lived key', async (t) => {
  if (!(await requireRedis(t))) return
  const { store, client, prefix } = testRedisStore(t)
  const keys = createKeyspace(prefix)
  const now = Date.now()
  await store.putBootstrapKey(record('LONG', now, 30 * MINUTE), now)
  await store.putBootstrapKey(record('SHORT', now, MINUTE), now)
  const ttl = await client.pttl(keys.bootstrapIndex())
  t.ok(ttl > 10 * MINUTE, `a shorter-lived key does not shorten the index TTL (${ttl} ms)`)
  t.ok(ttl <= 30 * MINUTE, 'the index TTL is that of the longest-lived key')
  t.same(
    await client.zrange(keys.bootstrapIndex(), 0, -1, 'WITHSCORES'),
    ['SHORT', String(now + MINUTE), 'LONG', String(now + 30 * MINUTE)],
    'each key is indexed by its expiry',
  )
})

t.test('redis: writing a key drops expired index entries; taking one unindexes it', async (t) => {
  if (!(await requireRedis(t))) return
  const { store, client, prefix } = testRedisStore(t)
  const keys = createKeyspace(prefix)
  const now = Date.now()
  await store.putBootstrapKey(record('OLD', now, MINUTE), now)
  await store.putBootstrapKey(record('NEW', now + 2 * MINUTE, MINUTE), now + 2 * MINUTE)
  t.same(await client.zrange(keys.bootstrapIndex(), 0, -1), ['NEW'], 'the expired entry is gone')
  t.equal((await store.takeBootstrapKey('NEW', now + 2 * MINUTE))?.key, 'NEW', 'taken')
  t.same(await client.zrange(keys.bootstrapIndex(), 0, -1), [], 'and no longer indexed')
  t.equal(await client.exists(keys.bootstrapKey('NEW')), 0, 'its record is deleted')
  t.equal(await store.takeBootstrapKey('NEW', now + 2 * MINUTE), null, 'a second take finds none')
})
