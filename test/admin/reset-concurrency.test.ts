import t from 'tap'
import type { Redis } from 'ioredis'
import type { FastifyInstance } from 'fastify'
import { admin, eventually, FAST_SYNC } from '../fixtures/admin.js'
import { buildTestApp } from '../fixtures/app.js'
import { requireRedis, testRedisStore } from '../fixtures/redis.js'
import { ALICE, apiKey, INT_A1, INT_A2, ORG_A, taskSpecUrl, tasksUrl } from '../fixtures/seed.js'

const ORG_X = '01KDVDNA00XXXXXXXXXXXXXXXX'
const INT_X1 = '01KDVDNA00XXXXXXXXXXXXXXX2'
const tenant = {
  orgs: [{ id: ORG_X }],
  users: [{ orgs: [ORG_X], api_keys: ['race-user-key'], sessions: ['race-user-session'] }],
  integrations: [{ id: INT_X1, org_id: ORG_X }],
}
const ALICE_A = { ...ALICE, 'x-org': ORG_A }
const RACER_X = { 'x-api-key': apiKey('race-user-key'), 'x-org': ORG_X }

interface QueueSnapshot {
  order: string[]
  expiry: string[]
  tasks: string[]
}

/** One queue's three structures, read in one MULTI: a consistent snapshot of that queue. */
async function snapshot(client: Redis, base: string): Promise<QueueSnapshot> {
  const replies = await client
    .multi()
    .zrange(`${base}:order`, 0, -1)
    .zrange(`${base}:expiry`, 0, -1)
    .hkeys(`${base}:tasks`)
    .exec()
  const [order, expiry, tasks] = (replies ?? []).map(([, value]) => (value as string[]).sort())
  return { order: order ?? [], expiry: expiry ?? [], tasks: tasks ?? [] }
}

function consistent(queue: QueueSnapshot): boolean {
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((v, i) => v === b[i])
  return same(queue.order, queue.expiry) && same(queue.order, queue.tasks)
}

t.test('resets interleaved with requests on two instances never corrupt Redis', async (t) => {
  if (!(await requireRedis(t))) return
  const { store, client, prefix } = testRedisStore(t)
  const one = await buildTestApp(t, { sharedStore: store, env: FAST_SYNC })
  const two = await buildTestApp(t, { sharedStore: store, env: FAST_SYNC })
  if (!one || !two) return
  const apps: FastifyInstance[] = [one.app, two.app]
  t.equal((await admin(one.app, { method: 'POST', url: '/fixtures', payload: tenant })).statusCode,
    201, 'the fixture tenant exists')

  const queues = [
    `${prefix}{org:${ORG_A}}:queue:${INT_A1}`,
    `${prefix}{org:${ORG_A}}:queue:${INT_A2}`,
    `${prefix}{org:${ORG_X}}:queue:${INT_X1}`,
  ]
  let running = true
  const torn: string[] = []
  let snapshots = 0
  const watcher = (async () => {
    while (running) {
      for (const base of queues) {
        const queue = await snapshot(client, base)
        snapshots += 1
        if (!consistent(queue)) torn.push(`${base}: ${JSON.stringify(queue)}`)
      }
    }
  })()

  const unexpected: string[] = []
  const expect = (what: string, status: number, allowed: number[]) => {
    if (!allowed.includes(status)) unexpected.push(`${what} -> ${status}`)
  }
  const OPERATIONS = 400
  const operation = async (i: number) => {
    const app = apps[i % 2] as FastifyInstance
    const task = { task_id: `t${i}`, lan_protocol_version: 2, payload: { i } }
    switch (i % 10) {
      case 0:
        if (i % 40 === 0) {
          const r = await admin(app, { method: 'POST', url: '/reset' })
          return expect('reset', r.statusCode, [200])
        }
        return expect('org reset', (await admin(app, {
          method: 'POST', url: `/reset?org=${i % 20 === 0 ? ORG_A : ORG_X}`,
        })).statusCode, [200])
      case 1: {
        const r = await admin(app, { method: 'POST', url: '/fixtures', payload: tenant })
        return expect('fixtures', r.statusCode, [201, 400])
      }
      case 2:
      case 3: {
        const url = taskSpecUrl(i % 3 === 0 ? INT_A1 : INT_A2)
        const r = await app.inject({ method: 'POST', url, headers: ALICE_A, payload: task })
        return expect('task-spec A', r.statusCode, [200])
      }
      case 4:
      case 5: {
        const r = await app.inject({
          method: 'POST', url: taskSpecUrl(INT_X1), headers: RACER_X, payload: task,
        })
        // The tenant may be between a reset and its re-creation: unknown key, or org not found.
        return expect('task-spec X', r.statusCode, [200, 401, 403, 404])
      }
      case 6:
      case 7:
        return expect('tasks A', (await app.inject({ url: tasksUrl(INT_A1), headers: ALICE_A }))
          .statusCode, [200])
      default:
        return expect('tasks X', (await app.inject({ url: tasksUrl(INT_X1), headers: RACER_X }))
          .statusCode, [200, 401, 403, 404])
    }
  }
  // Batches of 20 concurrent calls, so resets land in the middle of puts and lists.
  for (let first = 0; first < OPERATIONS; first += 20) {
    await Promise.all(Array.from({ length: 20 }, (_, k) => operation(first + k)))
  }
  running = false
  await watcher

  t.same(unexpected, [], 'every reply had an expected status (no 5xx)')
  t.ok(snapshots > 0, `the watcher took ${snapshots} snapshots while requests ran`)
  t.same(torn, [], 'no queue was ever seen half written or half deleted')

  const now = one.app.clock.now()
  for (const [org, integration] of [[ORG_A, INT_A1], [ORG_A, INT_A2], [ORG_X, INT_X1]] as const) {
    const ids = await store.listTaskIds(org, integration, now)
    const records = await store.listTasks(org, integration, now)
    t.same(records.map((r) => r.taskId), ids, `${integration}: every listed task has its record`)
  }
  const leftovers = await client.keys(`${prefix}*`)
  for (const key of leftovers) {
    const ttl = await client.pttl(key)
    if (!key.includes('{doc:')) t.ok(ttl > 0, `${key.slice(prefix.length)} still carries a TTL`)
  }
  const agreed = await eventually(async () => {
    const [a, b] = await Promise.all(apps.map((app) => admin(app, { url: '/fixtures' })))
    return a?.body === b?.body
  })
  t.ok(agreed, 'both instances end up serving the same fixtures')
})
