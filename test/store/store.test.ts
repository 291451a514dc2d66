import t, { type Test } from 'tap'
import { createKeyspace } from '../../src/store/keys.js'
import { MemoryStore } from '../../src/store/memory/memory-store.js'
import type { Store } from '../../src/store/types.js'
import { bootstrapRecord } from '../fixtures/records.js'
import { requireRedis, testRedisStore } from '../fixtures/redis.js'
import { INT_A1, INT_A2, ORG_A, ORG_B } from '../fixtures/seed.js'

const T0 = 1_800_000_000_000
const HOUR = 3_600_000

function task(taskId: string, now: number, payload: unknown = { n: taskId }) {
  return {
    orgId: ORG_A,
    integrationId: INT_A1,
    taskId,
    payloadJson: JSON.stringify(payload),
    now,
    ttlMs: HOUR,
    maxTasks: 3,
  }
}

/** The one suite both implementations must pass. */
async function storeSuite(t: Test, makeStore: (t: Test) => Promise<Store | null>) {
  t.test('tasks keep queue order; an update keeps its place and takes the new payload', async (t) => {
    const store = await makeStore(t)
    if (!store) return
    await store.putTask(task('a', T0))
    await store.putTask(task('b', T0 + 1))
    await store.putTask(task('c', T0 + 2))
    const updated = await store.putTask(task('a', T0 + 10, { n: 'a2' }))
    t.match(updated, { status: 'stored', created: false }, 'a known id is an update')
    if (updated.status !== 'stored') return
    t.equal(updated.task.queuedAt, T0, 'the update keeps the original queued_at')
    t.equal(updated.task.expiresAt, T0 + 10 + HOUR, 'the update refreshes the expiry')
    t.same(await store.listTaskIds(ORG_A, INT_A1, T0 + 20), ['a', 'b', 'c'], 'order kept')
    const records = await store.listTasks(ORG_A, INT_A1, T0 + 20)
    t.equal(records[0]?.payloadJson, '{"n":"a2"}', 'the new payload is stored')
    t.same(await store.listTaskIds(ORG_A, INT_A2, T0), [], 'another integration is empty')
  })

  t.test('tasks expire by the clock passed in, and expired ones free their place', async (t) => {
    const store = await makeStore(t)
    if (!store) return
    await store.putTask(task('a', T0))
    await store.putTask(task('b', T0 + 1000))
    await store.putTask(task('c', T0 + 2000))
    t.same(await store.putTask(task('d', T0 + 3000)), { status: 'queue_full' }, 'bound holds')
    t.same(await store.listTaskIds(ORG_A, INT_A1, T0 + HOUR), ['b', 'c'], 'a expired at T0+1h')
    const after = await store.putTask(task('d', T0 + HOUR))
    t.match(after, { status: 'stored', created: true }, 'the expired task no longer counts')
    t.same(await store.listTaskIds(ORG_A, INT_A1, T0 + HOUR), ['b', 'c', 'd'], 'd joins the end')
    t.same(await store.listTaskIds(ORG_A, INT_A1, T0 + 10 * HOUR), [], 'all gone later')
  })

  t.test('an update of a known task is accepted on a full queue', async (t) => {
    const store = await makeStore(t)
    if (!store) return
    for (const id of ['a', 'b', 'c']) await store.putTask(task(id, T0))
    t.match(await store.putTask(task('b', T0 + 5)), { status: 'stored', created: false }, 'update')
  })

  t.test('payload JSON is kept verbatim, including colons and newlines', async (t) => {
    const store = await makeStore(t)
    if (!store) return
    const payload = { text: 'a:b:c\n1:2', unicode: 'zażółć 🚪', nested: [1, { x: null }] }
    await store.putTask(task('p', T0, payload))
    const [record] = await store.listTasks(ORG_A, INT_A1, T0)
    t.same(JSON.parse(record?.payloadJson ?? 'null'), payload, 'payload round-trips')
  })

  t.test('bootstrap keys: get until expiry, take exactly once', async (t) => {
    const store = await makeStore(t)
    if (!store) return
    await store.putBootstrapKey(bootstrapRecord('K1', T0), T0)
    t.equal((await store.getBootstrapKey('K1', T0 + 1))?.token, 'jwt-for-K1', 'readable')
    t.equal((await store.getBootstrapKey('K1', T0 + 2))?.token, 'jwt-for-K1', 'reusable')
    t.equal(await store.getBootstrapKey('K1', T0 + 600_000), null, 'expired at its expiry')
    await store.putBootstrapKey(bootstrapRecord('K2', T0), T0)
    const takes = await Promise.all([1, 2, 3, 4, 5].map(() => store.takeBootstrapKey('K2', T0)))
    t.equal(takes.filter((record) => record !== null).length, 1, 'exactly one take succeeds')
    t.equal(await store.getBootstrapKey('K2', T0), null, 'a taken key is gone')
    t.equal(await store.getBootstrapKey('missing', T0), null, 'unknown keys are null')
  })

  t.test('bootstrap keys are listed while live, oldest first', async (t) => {
    const store = await makeStore(t)
    if (!store) return
    await store.putBootstrapKey(bootstrapRecord('K2', T0 + 5), T0 + 5)
    await store.putBootstrapKey(bootstrapRecord('K1', T0), T0 + 5)
    t.same((await store.listBootstrapKeys(T0 + 10)).map((r) => r.key), ['K1', 'K2'], 'both')
    t.same(
      (await store.listBootstrapKeys(T0 + 600_002)).map((r) => r.key),
      ['K2'],
      'K1 expired first',
    )
  })

  t.test('documents: compare-and-set refuses a stale writer', async (t) => {
    const store = await makeStore(t)
    if (!store) return
    t.equal(await store.compareAndSetDocument('d', null, 'v1'), true, 'create')
    t.equal(await store.compareAndSetDocument('d', null, 'v2'), false, 'create twice refused')
    t.equal(await store.compareAndSetDocument('d', 'v0', 'v2'), false, 'stale value refused')
    t.equal(await store.compareAndSetDocument('d', 'v1', 'v2'), true, 'fresh value accepted')
    t.equal(await store.getDocument('d'), 'v2', 'read back')
    await store.deleteDocument('d')
    t.equal(await store.getDocument('d'), null, 'deleted')
  })

  t.test('resetOrg drops that org only', async (t) => {
    const store = await makeStore(t)
    if (!store) return
    await store.putTask(task('a', T0))
    await store.putTask({ ...task('b', T0), orgId: ORG_B, integrationId: 'IB' })
    await store.putBootstrapKey(bootstrapRecord('KA', T0), T0)
    await store.putBootstrapKey(bootstrapRecord('KB', T0, { orgIds: [ORG_B] }), T0)
    await store.resetOrg(ORG_A, [INT_A1, INT_A2])
    t.same(await store.listTaskIds(ORG_A, INT_A1, T0), [], 'org A tasks gone')
    t.same(await store.listTaskIds(ORG_B, 'IB', T0), ['b'], 'org B tasks kept')
    t.equal(await store.getBootstrapKey('KA', T0), null, 'org A key gone')
    t.not(await store.getBootstrapKey('KB', T0), null, 'org B key kept')
  })

  t.test('clearBootstrapKeys drops every key and its index, and counts them', async (t) => {
    const store = await makeStore(t)
    if (!store) return
    await store.putBootstrapKey(bootstrapRecord('KA', T0), T0)
    await store.putBootstrapKey(bootstrapRecord('KB', T0, { orgIds: [ORG_B] }), T0)
    await store.putTask(task('a', T0))
    t.equal(await store.clearBootstrapKeys(), 2, 'both keys were deleted')
    t.equal(await store.getBootstrapKey('KA', T0), null, 'KA gone')
    t.equal(await store.getBootstrapKey('KB', T0), null, 'KB gone')
    t.same(await store.listBootstrapKeys(T0), [], 'nothing listed')
    t.same(await store.listTaskIds(ORG_A, INT_A1, T0), ['a'], 'tasks are not touched')
    t.equal(await store.clearBootstrapKeys(), 0, 'clearing an empty set is fine')
    await store.putBootstrapKey(bootstrapRecord('KC', T0), T0)
    t.same((await store.listBootstrapKeys(T0)).map((r) => r.key), ['KC'], 'keys work afterwards')
  })
}

t.test('memory store', (t) =>
  storeSuite(t, async (tt) => {
    const store = new MemoryStore({ now: () => T0 })
    tt.teardown(() => store.close())
    return store
  }),
)

t.test('redis store', (t) =>
  storeSuite(t, async (tt) => ((await requireRedis(tt)) ? testRedisStore(tt).store : null)),
)

t.test('redis: every key carries a TTL, and a bootstrap key keeps its expiry', async (t) => {
  if (!(await requireRedis(t))) return
  const { store, client, prefix } = testRedisStore(t)
  const now = Date.now()
  await store.putTask({ ...task('a', now), ttlMs: HOUR })
  await store.putBootstrapKey(bootstrapRecord('K1', now), now)
  const keys = createKeyspace(prefix)
  for (const key of [
    keys.queueOrder(ORG_A, INT_A1),
    keys.queueExpiry(ORG_A, INT_A1),
    keys.queueTasks(ORG_A, INT_A1),
    keys.queueSequence(ORG_A, INT_A1),
  ]) {
    const ttl = await client.pttl(key)
    t.ok(ttl > 0 && ttl <= HOUR, `${key.slice(prefix.length)} expires within the task TTL`)
  }
  const keyTtl = await client.pttl(keys.bootstrapKey('K1'))
  t.ok(keyTtl > 0 && keyTtl <= 600_000, 'bootstrap key expires within its TTL')
  t.ok((await client.pttl(keys.bootstrapIndex())) > 0, 'the bootstrap index expires too')
  await store.getBootstrapKey('K1', now)
  t.ok((await client.pttl(keys.bootstrapKey('K1'))) > 0, 'reading keeps the TTL')
})

t.test('redis: all keys of one org queue share a cluster hash tag', async (t) => {
  const keys = createKeyspace('p:')
  const tags = [
    keys.queueOrder(ORG_A, INT_A1),
    keys.queueExpiry(ORG_A, INT_A1),
    keys.queueTasks(ORG_A, INT_A2),
  ].map((key) => /\{([^}]*)\}/.exec(key)?.[1])
  t.same(new Set(tags), new Set([`org:${ORG_A}`]), 'one tag for the whole org')
  t.equal(/\{([^}]*)\}/.exec(keys.bootstrapKey('K'))?.[1], 'bootstrap', 'keys share the index tag')
})

t.test('redis: clearBootstrapKeys leaves no bootstrap key and no index behind', async (t) => {
  if (!(await requireRedis(t))) return
  const { store, client, prefix } = testRedisStore(t)
  const now = Date.now()
  for (let i = 0; i < 1200; i += 1) {
    await store.putBootstrapKey(bootstrapRecord(`K${i}`, now), now)
  }
  t.equal(await store.clearBootstrapKeys(), 1200, 'all counted, past one unpack() batch')
  const left = await client.keys(`${prefix}{bootstrap}*`)
  t.same(left, [], 'no key of the {bootstrap} tag is left')
})
