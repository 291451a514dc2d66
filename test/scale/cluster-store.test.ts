import { readdirSync, readFileSync } from 'node:fs'
import t from 'tap'
import { createKeyspace } from '../../src/store/keys.js'
import { RedisStore } from '../../src/store/redis/redis-store.js'
import { bootstrapRecord } from '../fixtures/records.js'
import { deleteByPrefix, randomPrefix } from '../fixtures/redis.js'
import { redisBinariesSkip, startRedisCluster } from '../fixtures/scale/redis-servers.js'
import { INT_A1, INT_A2, ORG_A, ORG_B } from '../fixtures/seed.js'

const LUA_DIR = new URL('../../src/store/redis/lua/', import.meta.url)
const T0 = Date.now()
const MINUTE = 60_000

t.test('every Lua script names its keys through KEYS only', async (t) => {
  const files = readdirSync(LUA_DIR).filter((name) => name.endsWith('.lua'))
  t.ok(files.length >= 3, 'the scripts are found')
  for (const file of files) {
    const lua = readFileSync(new URL(file, LUA_DIR), 'utf8')
    const calls = [...lua.matchAll(/redis\.call\(\s*'(\w+)'\s*,\s*([^,)]+)/g)]
    t.ok(calls.length > 0, `${file} calls Redis`)
    for (const [, command, firstKey] of calls) {
      // A key built inside a script is invisible to the cluster router: it may sit on another
      // node. KEYS[i] or unpack(KEYS, ...) is fine; a string or a concatenation is not.
      t.match(firstKey?.trim(), /^(KEYS\[[^\]]+\]|unpack\(KEYS)$/,
        `${file}: ${command} takes a declared key`)
    }
  }
})

t.test('no source sends KEYS, which a cluster cannot answer for all nodes', async (t) => {
  const sources = readdirSync(new URL('../../src/', import.meta.url), { recursive: true })
    .map(String)
    .filter((file) => /\.(ts|lua)$/.test(file))
  t.ok(sources.length > 20, 'the sources are found')
  for (const file of sources) {
    const text = readFileSync(new URL(`../../src/${file}`, import.meta.url), 'utf8')
    // client.keys('pattern') or a raw KEYS command; Object.keys(...) and KEYS[n] are fine.
    t.notMatch(text, /[a-z]\.keys\(\s*['"`]|call\(\s*['"]KEYS['"]/i, `${file} does not use KEYS`)
  }
})

t.test('on a 3-master Redis Cluster', { skip: redisBinariesSkip() }, async (t) => {
  const cluster = await startRedisCluster(t)
  const client = await cluster.client(t)
  const slot = async (key: string) => Number(await client.cluster('KEYSLOT', key))

  t.test('the keys of one queue, and bootstrap keys with their index, share a slot', async (t) => {
    const keys = createKeyspace('lan-agent:')
    const queue = [
      keys.queueOrder(ORG_A, INT_A1),
      keys.queueExpiry(ORG_A, INT_A1),
      keys.queueTasks(ORG_A, INT_A1),
      keys.queueSequence(ORG_A, INT_A1),
      keys.queueOrder(ORG_A, INT_A2),
    ]
    const slots = await Promise.all(queue.map(slot))
    t.same(new Set(slots).size, 1, `all queue keys of org A hash to one slot (${slots[0]})`)
    const bootstrap = await Promise.all(
      [keys.bootstrapKey('01KDVDNA00000000000000KEY1'), keys.bootstrapIndex()].map(slot),
    )
    t.equal(bootstrap[0], bootstrap[1], 'a bootstrap key and the index share a slot')
  })

  t.test('every store operation runs on the cluster', async (t) => {
    const prefix = randomPrefix()
    const store = new RedisStore({ client, prefix, ownsClient: false })
    const put = (taskId: string, now: number, orgId = ORG_A, integrationId = INT_A1) =>
      store.putTask({
        orgId, integrationId, taskId, payloadJson: `{"id":"${taskId}"}`, now, ttlMs: MINUTE,
        maxTasks: 3,
      })
    await store.ping()

    t.match(await put('a', T0), { status: 'stored', created: true }, 'a task is stored')
    await put('b', T0 + 1)
    t.match(await put('a', T0 + 2), { status: 'stored', created: false }, 'an update')
    await put('c', T0 + 3)
    t.same(await put('d', T0 + 4), { status: 'queue_full' }, 'the bound holds')
    await put('z', T0, ORG_B, '01KDVDNA001FN5D9ZWRW9JC0SS')
    t.same(await store.listTaskIds(ORG_A, INT_A1, T0 + 5), ['a', 'b', 'c'], 'queue order')
    const records = await store.listTasks(ORG_A, INT_A1, T0 + 5)
    t.same(records.map((r) => r.payloadJson), ['{"id":"a"}', '{"id":"b"}', '{"id":"c"}'], 'records')
    t.same(await store.listTaskIds(ORG_A, INT_A1, T0 + 2 + MINUTE), ['c'], 'expiry by the clock')

    const record = (key: string, orgIds = [ORG_A]) =>
      bootstrapRecord(key, T0, { ttlMs: MINUTE, orgIds })
    await store.putBootstrapKey(record('K1'), T0)
    await store.putBootstrapKey(record('K2'), T0)
    await store.putBootstrapKey(record('K3', [ORG_B]), T0)
    t.equal((await store.getBootstrapKey('K1', T0))?.token, 'jwt-for-K1', 'a key reads back')
    const listed = (await store.listBootstrapKeys(T0)).map((r) => r.key).sort()
    t.same(listed, ['K1', 'K2', 'K3'], 'all keys are listed')
    const takes = await Promise.all([1, 2, 3].map(() => store.takeBootstrapKey('K2', T0)))
    t.equal(takes.filter(Boolean).length, 1, 'of concurrent takes, exactly one wins')

    t.equal(await store.compareAndSetDocument('jwks', null, 'v1'), true, 'a document is created')
    t.equal(await store.compareAndSetDocument('jwks', 'stale', 'v2'), false, 'a stale write loses')
    t.equal(await store.compareAndSetDocument('jwks', 'v1', 'v2'), true, 'a current write wins')
    t.equal(await store.getDocument('jwks'), 'v2', 'the document reads back')
    await store.deleteDocument('jwks')
    t.equal(await store.getDocument('jwks'), null, 'the document is gone')

    await store.resetOrg(ORG_A, [INT_A1, INT_A2])
    t.same(await store.listTaskIds(ORG_A, INT_A1, T0 + 5), [], 'reset empties the org queues')
    t.same(await store.listTaskIds(ORG_B, '01KDVDNA001FN5D9ZWRW9JC0SS', T0 + 5), ['z'],
      'another org keeps its tasks')
    t.same((await store.listBootstrapKeys(T0)).map((r) => r.key), ['K3'],
      'reset drops the bootstrap keys of the org only')
    t.equal(await store.clearBootstrapKeys(), 1, 'clearing deletes the one key left')
    t.same(await store.listBootstrapKeys(T0), [], 'and no bootstrap key is listed')

    await deleteByPrefix(client, prefix)
    const left = await Promise.all(
      client.nodes('master').map((node) => node.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 1000)),
    )
    t.same(left.flatMap(([, keys]) => keys), [], 'deleteByPrefix clears every master')
  })
})
