import t from 'tap'
import { admin, eventually, FAST_SYNC, twoInstances } from '../fixtures/admin.js'
import { buildTestApp, forEachStore } from '../fixtures/app.js'
import { ALICE, API, INT_A1, ORG_A, taskSpecUrl, tasksUrl } from '../fixtures/seed.js'

const ALICE_A = { ...ALICE, 'x-org': ORG_A }
const task = { task_id: 'job-1', lan_protocol_version: 2, payload: { door: 'front' } }

t.test('each request is journaled with its exchange', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  const put = await app.inject({
    method: 'POST',
    url: taskSpecUrl(INT_A1),
    headers: { ...ALICE_A, 'x-correlation-id': 'suite-call-1' },
    payload: task,
  })
  t.equal(put.statusCode, 200, 'stored')
  const reply = await admin(app, { url: '/requests' })
  t.equal(reply.statusCode, 200, 'listed')
  const [entry] = reply.json().entries
  t.match(
    entry,
    {
      seq: Number,
      request_id: 'suite-call-1',
      received_at: String,
      duration_ms: Number,
      method: 'POST',
      path: `/api/v1/integrations/${INT_A1}/lan-agent/task-spec`,
      url: `/api/v1/integrations/${INT_A1}/lan-agent/task-spec`,
      operation_id: 'post_integration_lan_agent_task_spec',
      status: 200,
      fault: null,
      request: {
        headers: { 'x-org': ORG_A, 'x-api-key': '[redacted]', 'content-type': /json/ },
        body: task,
        body_truncated: false,
      },
      response: {
        headers: { 'x-request-id': 'suite-call-1', 'content-type': /json/ },
        body: { task_id: 'job-1', spec: { payload: { door: 'front' } } },
        body_truncated: false,
      },
    },
    'method, path, status, ids, timing, headers and bodies',
  )
  t.ok(entry.duration_ms >= 0, 'a duration')
  t.ok(Math.abs(Date.parse(entry.received_at) - app.clock.now()) < 60_000, 'server-clock time')
  t.match(reply.json(), { instance_id: /^[0-9a-f]{12}$/, capacity: 1000, dropped: 0 }, 'metadata')
})

t.test('admin calls and health probes are not journaled; unknown routes are', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  await admin(app, { url: '/clock' })
  await app.inject({ url: '/healthz' })
  await app.inject({ url: '/readyz' })
  await app.inject({ url: '/__admin/nothing-here' })
  await app.inject({ url: `${API}/no/such/route` })
  const entries = (await admin(app, { url: '/requests' })).json().entries
  t.same(
    entries.map((e: { path: string; status: number; operation_id: string | null }) => [
      e.path,
      e.status,
      e.operation_id,
    ]),
    [[`${API}/no/such/route`, 404, null]],
    'only the unknown API route',
  )
})

t.test('filters: operation, status, request id, method, limit', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  for (let i = 0; i < 3; i += 1) {
    await app.inject({ url: tasksUrl(INT_A1), headers: { ...ALICE_A, 'x-correlation-id': `ok-${i}` } })
  }
  await app.inject({ url: tasksUrl(INT_A1), headers: { 'x-org': ORG_A, 'x-correlation-id': 'anon' } })
  await app.inject({ url: `${API}/lan-agent/meta`, headers: { 'x-correlation-id': 'meta' } })
  const ids = async (query: string) =>
    (await admin(app, { url: `/requests?${query}` })).json().entries.map(
      (e: { request_id: string }) => e.request_id,
    )
  t.same(await ids('operation_id=get_lan_agent_meta'), ['meta'], 'by operation id')
  t.same(await ids('status=401'), ['anon'], 'by status')
  t.same(await ids('request_id=ok-1'), ['ok-1'], 'by request id')
  t.same(await ids('operation_id=get_integration_lan_agent_tasks&status=200'),
    ['ok-2', 'ok-1', 'ok-0'], 'combined, newest first')
  t.same(await ids('method=get&limit=2'), ['meta', 'anon'], 'by method, limited')
  const bad = await admin(app, { url: '/requests?status=abc' })
  t.equal(bad.statusCode, 400, 'a malformed filter is a 400')
  t.equal(bad.json().error_code, 'invalid_request', 'in the envelope')
})

t.test('the journal is bounded: the oldest entries are dropped', async (t) => {
  const built = await buildTestApp(t, { env: { JOURNAL_MAX_ENTRIES: '5' } })
  if (!built) return
  const { app } = built
  for (let i = 0; i < 8; i += 1) {
    await app.inject({ url: `${API}/lan-agent/meta`, headers: { 'x-correlation-id': `r${i}` } })
  }
  const body = (await admin(app, { url: '/requests' })).json()
  t.same(
    body.entries.map((e: { request_id: string }) => e.request_id),
    ['r7', 'r6', 'r5', 'r4', 'r3'],
    'the five newest, newest first',
  )
  t.equal(body.capacity, 5, 'capacity reported')
  t.equal(body.dropped, 3, 'three were pushed out')
  const seqs = body.entries.map((e: { seq: number }) => e.seq)
  t.same(seqs, [...seqs].sort((a: number, b: number) => b - a), 'sequence numbers descend')
})

t.test('long bodies are kept truncated, after redaction', async (t) => {
  const built = await buildTestApp(t, { env: { JOURNAL_BODY_MAX_BYTES: '1024' } })
  if (!built) return
  const { app } = built
  const payload = { filler: 'x'.repeat(4000), token: 'secret-token-value-123' }
  const put = await app.inject({
    method: 'POST',
    url: taskSpecUrl(INT_A1),
    headers: ALICE_A,
    payload: { ...task, payload },
  })
  t.equal(put.statusCode, 200, 'stored')
  const [entry] = (await admin(app, { url: '/requests' })).json().entries
  t.equal(entry.request.body_truncated, true, 'request body truncated')
  t.type(entry.request.body, 'string', 'kept as text')
  t.ok(Buffer.byteLength(entry.request.body) <= 1024, 'within the limit')
  t.equal(entry.response.body_truncated, true, 'response body truncated')
  t.notMatch(JSON.stringify(entry), /secret-token-value-123/, 'the secret field never appears')
})

t.test('DELETE empties the journal of every instance', (t) =>
  forEachStore(t, async (t, store) => {
    const pair = await twoInstances(t, { store, env: FAST_SYNC })
    if (!pair) return
    const [one, two] = pair
    for (const { app } of pair) await app.inject({ url: `${API}/lan-agent/meta` })
    await one.app.inject({ url: `${API}/lan-agent/meta` })
    const cleared = await admin(one.app, { method: 'DELETE', url: '/requests' })
    t.same(cleared.json(), { cleared: 2 }, 'counts the entries this instance held')
    t.same((await admin(one.app, { url: '/requests' })).json().entries, [], 'empty here')
    const emptied = await eventually(
      async () => (await admin(two.app, { url: '/requests' })).json().entries.length === 0,
    )
    t.ok(emptied, 'the other instance empties its journal too')
    await two.app.inject({ url: `${API}/lan-agent/meta` })
    t.equal((await admin(two.app, { url: '/requests' })).json().entries.length, 1,
      'and journals again afterwards')
  }),
)
