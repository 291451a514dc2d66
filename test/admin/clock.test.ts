import t from 'tap'
import { admin, eventually, FAST_SYNC, twoInstances } from '../fixtures/admin.js'
import { buildTestApp, forEachStore } from '../fixtures/app.js'
import { ALICE, API, INT_A1, ORG_A, taskSpecUrl, tasksUrl } from '../fixtures/seed.js'

const ALICE_A = { ...ALICE, 'x-org': ORG_A }

t.test('GET shows the offset; POST moves the clock forward', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  const before = (await admin(app, { url: '/clock' })).json()
  t.equal(before.offset_ms, 0, 'no offset at start')
  t.equal(before.frozen, false, 'real time')
  t.ok(Math.abs(before.now_ms - Date.now()) < 60_000, 'now is about real time')
  t.equal(Date.parse(before.now), before.now_ms, 'now and now_ms agree')
  const moved = await admin(app, { method: 'POST', url: '/clock', payload: { advance_seconds: 90 } })
  t.equal(moved.statusCode, 200, 'moved')
  t.equal(moved.json().offset_ms, 90_000, 'offset in ms')
  const more = await admin(app, { method: 'POST', url: '/clock', payload: { advance_ms: 250 } })
  t.equal(more.json().offset_ms, 90_250, 'offsets add up')
  t.ok(more.json().now_ms - Date.now() >= 90_000, 'now runs ahead of real time')
  t.equal(app.clock.offsetMs, 90_250, 'the server clock took it')
})

t.test('bad clock requests are refused with 400', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  for (const [what, payload] of [
    ['neither field', {}],
    ['both fields', { advance_seconds: 1, advance_ms: 1 }],
    ['a negative step', { advance_seconds: -5 }],
    ['a fraction', { advance_seconds: 1.5 }],
    ['a string', { advance_seconds: '10' }],
    ['an unknown field', { advance_seconds: 1, backwards: true }],
  ] as const) {
    const reply = await admin(built.app, { method: 'POST', url: '/clock', payload })
    t.equal(reply.statusCode, 400, `${what}: 400`)
    t.equal(reply.json().error_code, 'invalid_request', `${what}: invalid_request`)
  }
  const far = await admin(built.app, {
    method: 'POST', url: '/clock', payload: { advance_seconds: 3_000_000_000 },
  })
  t.equal(far.statusCode, 200, 'ninety-five years ahead is allowed')
  const huge = await admin(built.app, {
    method: 'POST', url: '/clock', payload: { advance_seconds: 200_000_000 },
  })
  t.equal(huge.statusCode, 400, 'beyond a century ahead is refused')
  t.equal(built.app.clock.offsetMs, 3_000_000_000_000, 'the refused step moved nothing')
})

t.test('tasks expire by the moved clock', (t) =>
  forEachStore(t, async (t, store) => {
    const built = await buildTestApp(t, { store })
    if (!built) return
    const { app } = built
    const put = await app.inject({
      method: 'POST',
      url: taskSpecUrl(INT_A1),
      headers: ALICE_A,
      payload: { task_id: 'ttl', lan_protocol_version: 2, payload: null },
    })
    t.equal(put.statusCode, 200, 'stored')
    await admin(app, { method: 'POST', url: '/clock', payload: { advance_seconds: 86_399 } })
    let list = await app.inject({ url: tasksUrl(INT_A1), headers: ALICE_A })
    t.same(list.json().task_ids, ['ttl'], 'alive one second before its TTL')
    await admin(app, { method: 'POST', url: '/clock', payload: { advance_seconds: 2 } })
    list = await app.inject({ url: tasksUrl(INT_A1), headers: ALICE_A })
    t.same(list.json().task_ids, [], 'gone after its TTL, without sleeping')
  }),
)

t.test('agent JWTs expire by the moved clock (60 s of skew allowed)', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  const minted = await app.inject({ method: 'POST', url: `${API}/lan-agent/cli/token`, headers: ALICE })
  const agent = { authorization: `Bearer ${minted.json().access_token}`, 'x-org': ORG_A }
  t.equal((await app.inject({ url: tasksUrl(INT_A1), headers: agent })).statusCode, 200, 'fresh')
  await admin(app, { method: 'POST', url: '/clock', payload: { advance_seconds: 3600 + 30 } })
  t.equal((await app.inject({ url: tasksUrl(INT_A1), headers: agent })).statusCode, 200,
    'just past exp, within the skew')
  await admin(app, { method: 'POST', url: '/clock', payload: { advance_seconds: 60 } })
  const expired = await app.inject({ url: tasksUrl(INT_A1), headers: agent })
  t.equal(expired.statusCode, 401, 'expired')
  t.equal(expired.json().error_code, 'invalid_credentials', 'invalid_credentials')
})

t.test('every instance follows the shared clock', (t) =>
  forEachStore(t, async (t, store) => {
    const pair = await twoInstances(t, { store, env: FAST_SYNC })
    if (!pair) return
    const [one, two] = pair
    await admin(one.app, { method: 'POST', url: '/clock', payload: { advance_seconds: 600 } })
    const followed = await eventually(
      async () => (await admin(two.app, { url: '/clock' })).json().offset_ms === 600_000,
    )
    t.ok(followed, 'instance two reports the offset')
    t.equal(two.app.clock.offsetMs, 600_000, 'and its clock uses it')
    await admin(two.app, { method: 'POST', url: '/reset' })
    const back = await eventually(() => one.app.clock.offsetMs === 0)
    t.ok(back, 'a reset on instance two returns instance one to real time')
  }),
)

t.test('CLOCK_FROZEN_AT stops time; only the admin API moves it', async (t) => {
  const built = await buildTestApp(t, { env: { CLOCK_FROZEN_AT: '2030-01-01T00:00:00Z' } })
  if (!built) return
  const { app } = built
  const first = (await admin(app, { url: '/clock' })).json()
  t.same(
    first,
    { offset_ms: 0, now: '2030-01-01T00:00:00.000Z', now_ms: 1_893_456_000_000, frozen: true },
    'the frozen instant',
  )
  const moved = await admin(app, { method: 'POST', url: '/clock', payload: { advance_seconds: 10 } })
  t.equal(moved.json().now, '2030-01-01T00:00:10.000Z', 'exactly ten seconds later')
})
