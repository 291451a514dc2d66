import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import type { BootstrapRecord, Store } from '../../src/store/types.js'
import { admin } from '../fixtures/admin.js'
import { buildTestApp, forEachStore } from '../fixtures/app.js'
import {
  ALICE, API, apiKey, BOB, CAROL, INT_A1, INT_B1, ORG_A, ORG_B, taskSpecUrl, tasksUrl,
} from '../fixtures/seed.js'

const ORG_X = '01KDVDNA00XXXXXXXXXXXXXXXX'
const INT_X1 = '01KDVDNA00XXXXXXXXXXXXXXX2'
const SOLO = '01KDVDNA00XXXXXXXXXXXXXXX3'
const SHARED = '01KDVDNA00XXXXXXXXXXXXXXX4'

function bootstrapRecord(key: string, orgId: string, now: number): BootstrapRecord {
  return {
    key,
    token: 'not-a-real-token',
    userId: 'U',
    orgIds: [orgId],
    taskId: 'serve',
    integrationId: null,
    createdAt: now,
    expiresAt: now + 600_000,
  }
}

const put = (app: FastifyInstance, integration: string, headers: object, taskId: string) =>
  app.inject({
    method: 'POST',
    url: taskSpecUrl(integration),
    headers: { ...headers },
    payload: { task_id: taskId, lan_protocol_version: 2, payload: null },
  })

/** Tasks, bootstrap keys, a fixture tenant, a fault, a clock offset and journal entries. */
async function populate(t: Test, app: FastifyInstance, store: Store) {
  const now = app.clock.now()
  t.equal((await put(app, INT_A1, { ...ALICE, 'x-org': ORG_A }, 'a')).statusCode, 200, 'task A1')
  t.equal((await put(app, INT_B1, { ...BOB, 'x-org': ORG_B }, 'b')).statusCode, 200, 'task B1')
  await store.putBootstrapKey(bootstrapRecord('01KDVDNA00KEYAAAAAAAAAAAAA', ORG_A, now), now)
  await store.putBootstrapKey(bootstrapRecord('01KDVDNA00KEYBBBBBBBBBBBBB', ORG_B, now), now)
  const fixtures = await admin(app, {
    method: 'POST',
    url: '/fixtures',
    payload: {
      orgs: [{ id: ORG_X }],
      users: [
        { id: SOLO, orgs: [ORG_X], api_keys: ['solo-user-key'] },
        { id: SHARED, orgs: [ORG_X, ORG_A], api_keys: ['shared-user-key'] },
      ],
      integrations: [{ id: INT_X1, org_id: ORG_X }],
      tasks_catalog: [
        { task: 'suite.task', one_shot: true, requires_integration: false, description: '' },
      ],
    },
  })
  t.equal(fixtures.statusCode, 201, 'fixtures added')
  const solo = { 'x-api-key': apiKey('solo-user-key'), 'x-org': ORG_X }
  t.equal((await put(app, INT_X1, solo, 'x')).statusCode, 200, 'task on the fixture integration')
  const fault = await admin(app, {
    method: 'POST',
    url: '/faults',
    payload: { operation_id: 'get_lan_agent_meta', latency_ms: 1 },
  })
  t.equal(fault.statusCode, 201, 'a fault armed')
  const clock = await admin(app, { method: 'POST', url: '/clock', payload: { advance_seconds: 30 } })
  t.equal(clock.json().offset_ms, 30_000, 'clock moved')
}

t.test('reset returns everything to the seed', (t) =>
  forEachStore(t, async (t, kind) => {
    const built = await buildTestApp(t, { store: kind })
    if (!built) return
    const { app, store } = built
    await populate(t, app, store)
    t.ok((await admin(app, { url: '/requests' })).json().entries.length > 0, 'journal not empty')

    const reply = await admin(app, { method: 'POST', url: '/reset' })
    t.equal(reply.statusCode, 200, 'reset')
    t.same(
      reply.json(),
      {
        scope: 'all',
        org_id: null,
        removed: {
          fixture_orgs: 1,
          fixture_users: 2,
          fixture_integrations: 1,
          fixture_catalog_entries: 1,
          faults: 1,
          bootstrap_keys: 2,
        },
      },
      'the reply counts what went',
    )
    const now = app.clock.now()
    t.same(await store.listTaskIds(ORG_A, INT_A1, now), [], 'org A tasks gone')
    t.same(await store.listTaskIds(ORG_B, INT_B1, now), [], 'org B tasks gone')
    t.same(await store.listTaskIds(ORG_X, INT_X1, now), [], 'fixture integration tasks gone')
    t.same(await store.listBootstrapKeys(now), [], 'bootstrap keys gone')
    t.same((await admin(app, { url: '/faults' })).json(), { faults: [] }, 'faults disarmed')
    t.equal((await admin(app, { url: '/clock' })).json().offset_ms, 0, 'clock at real time')
    t.same((await admin(app, { url: '/requests' })).json().entries, [], 'journal empty')
    t.same(
      (await admin(app, { url: '/fixtures' })).json(),
      { orgs: [], users: [], integrations: [], tasks_catalog: [] },
      'fixtures gone',
    )
    const solo = await app.inject({
      url: tasksUrl(INT_X1),
      headers: { 'x-api-key': apiKey('solo-user-key'), 'x-org': ORG_X },
    })
    t.equal(solo.statusCode, 401, 'the fixture key no longer authenticates')
    const meta = (await app.inject({ url: `${API}/lan-agent/meta` })).json()
    t.notOk(
      meta.tasks_catalog.some((entry: { task: string }) => entry.task === 'suite.task'),
      'the fixture catalog entry is gone',
    )
    const seed = await app.inject({ url: tasksUrl(INT_A1), headers: { ...ALICE, 'x-org': ORG_A } })
    t.same(seed.json(), { task_ids: [] }, 'the seed tenant works, empty')
  }),
)

t.test('reset ?org= resets that org only', (t) =>
  forEachStore(t, async (t, kind) => {
    const built = await buildTestApp(t, { store: kind })
    if (!built) return
    const { app, store } = built
    await populate(t, app, store)

    const reply = await admin(app, { method: 'POST', url: `/reset?org=${ORG_X.toLowerCase()}` })
    t.equal(reply.statusCode, 200, 'org reset')
    t.match(
      reply.json(),
      {
        scope: 'org',
        org_id: ORG_X,
        removed: { fixture_orgs: 1, fixture_users: 1, fixture_integrations: 1, faults: 0 },
      },
      'the fixture org, its solo user and its integration went',
    )
    const now = app.clock.now()
    t.same(await store.listTaskIds(ORG_X, INT_X1, now), [], 'its tasks are gone')
    t.same(await store.listTaskIds(ORG_A, INT_A1, now), ['a'], 'org A tasks kept')
    t.equal((await store.listBootstrapKeys(now)).length, 2, 'other orgs keep their keys')
    const fixtures = (await admin(app, { url: '/fixtures' })).json()
    t.same(
      fixtures.users.map((u: { id: string; orgs: string[] }) => [u.id, u.orgs]),
      [[SHARED, [ORG_A]]],
      'a user of two orgs stays, in the other org only',
    )
    t.equal(fixtures.tasks_catalog.length, 1, 'the catalog is not an org\'s: kept')
    t.equal((await admin(app, { url: '/faults' })).json().faults.length, 1, 'faults stay')
    t.equal((await admin(app, { url: '/clock' })).json().offset_ms, 30_000, 'the clock stays')

    const resetA = await admin(app, { method: 'POST', url: `/reset?org=${ORG_A}` })
    t.equal(resetA.statusCode, 200, 'a seed org can be reset')
    t.same(await store.listTaskIds(ORG_A, INT_A1, app.clock.now()), [], 'org A tasks gone')
    t.same(await store.listTaskIds(ORG_B, INT_B1, app.clock.now()), ['b'], 'org B tasks kept')
    const keys = await store.listBootstrapKeys(app.clock.now())
    t.same(keys.map((k) => k.orgIds), [[ORG_B]], 'only org B\'s bootstrap key is left')
    const carol = await app.inject({ url: tasksUrl(INT_A1), headers: { ...CAROL, 'x-org': ORG_A } })
    t.equal(carol.statusCode, 200, 'seed users of the org are untouched')
    const again = await admin(app, { method: 'POST', url: `/reset?org=${ORG_X}` })
    t.equal(again.statusCode, 200, 'resetting an org twice is fine (idempotent teardown)')
  }),
)

t.test('reset ?org= with something that is not a ULID is a 400', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const reply = await admin(built.app, { method: 'POST', url: '/reset?org=nope' })
  t.equal(reply.statusCode, 400, '400')
  t.equal(reply.json().error_code, 'invalid_request', 'invalid_request')
})

t.test('after a rotation at a moved clock, a reset keeps a key that signs', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  await admin(app, { method: 'POST', url: '/clock', payload: { advance_seconds: 7200 } })
  const rotated = await admin(app, { method: 'POST', url: '/keys/rotate' })
  t.equal(rotated.statusCode, 200, 'rotated two hours ahead')
  await admin(app, { method: 'POST', url: '/reset' })
  const keys = (await admin(app, { url: '/keys' })).json()
  t.not(keys.signing_kid, null, 'some key signs at real time again')
  const token = await app.inject({ method: 'POST', url: `${API}/lan-agent/cli/token`, headers: ALICE })
  t.equal(token.statusCode, 200, 'tokens are minted, no 503')
})
