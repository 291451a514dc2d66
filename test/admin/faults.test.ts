import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { admin, eventually, FAST_SYNC, twoInstances } from '../fixtures/admin.js'
import { buildTestApp, forEachStore } from '../fixtures/app.js'
import { ALICE, API, INT_A1, ORG_A, taskSpecUrl, tasksUrl } from '../fixtures/seed.js'

const ALICE_A = { ...ALICE, 'x-org': ORG_A }
const TASK_SPEC = 'post_integration_lan_agent_task_spec'
const TASKS = 'get_integration_lan_agent_tasks'
const task = { task_id: 'job', lan_protocol_version: 2, payload: null }

const arm = (app: FastifyInstance, payload: object) =>
  admin(app, { method: 'POST', url: '/faults', payload })
const putTask = (app: FastifyInstance, headers: object = ALICE_A) =>
  app.inject({ method: 'POST', url: taskSpecUrl(INT_A1), headers: { ...headers }, payload: task })
const listTasks = (app: FastifyInstance, headers: object = ALICE_A) =>
  app.inject({ url: tasksUrl(INT_A1), headers: { ...headers } })

t.test('a counted fault answers N calls with the status, then the operation answers', (t) =>
  forEachStore(t, async (t, store) => {
    const built = await buildTestApp(t, { store })
    if (!built) return
    const { app } = built
    const armed = await arm(app, { operation_id: TASKS, status: 503, count: 3 })
    t.equal(armed.statusCode, 201, 'armed')
    const fault = armed.json().fault
    t.match(fault, { operation_id: TASKS, status: 503, remaining: 3, drop_connection: false },
      'the armed fault')
    for (let i = 1; i <= 3; i += 1) {
      const reply = await listTasks(app)
      t.equal(reply.statusCode, 503, `call ${i}: 503`)
      t.equal(reply.headers['retry-after'], '1', `call ${i}: Retry-After`)
      t.equal(reply.headers['x-fault-injected'], fault.id, `call ${i}: marked with the fault id`)
      t.match(reply.json(), {
        error_code: 'storage_unavailable',
        correlationId: reply.headers['x-request-id'],
      }, `call ${i}: the envelope with the natural code`)
    }
    const after = await listTasks(app)
    t.equal(after.statusCode, 200, 'call 4: the operation answers')
    t.equal(after.headers['x-fault-injected'], undefined, 'call 4: unmarked')
    t.same((await admin(app, { url: '/faults' })).json(), { faults: [] }, 'the fault disarmed')
  }),
)

t.test('each status comes with its natural code, headers and extra fields', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  await arm(app, { operation_id: TASK_SPEC, status: 426, count: 1 })
  const upgrade = await putTask(app)
  t.equal(upgrade.statusCode, 426, '426')
  t.equal(upgrade.headers.upgrade, 'lan-protocol/2', 'Upgrade names the minimum')
  t.notMatch(String(upgrade.headers.connection ?? ''), /upgrade/i, 'no Connection: upgrade')
  t.match(upgrade.json(), {
    error_code: 'lan_protocol_too_old',
    min_lan_protocol_version: 2,
    lan_protocol_version: 2,
    upgrade_download_url: /^http:\/\/localhost:4455\/api\/v1\/lan-agent\/dist\//,
  }, 'the 426 extras')

  await arm(app, { operation_id: TASK_SPEC, status: 429, count: 1 })
  const full = await putTask(app)
  t.equal(full.statusCode, 429, '429')
  t.equal(full.json().error_code, 'queue_full', 'task-spec 429 is queue_full')
  t.equal(full.headers['retry-after'], '60', 'with the queue Retry-After')

  await arm(app, { operation_id: TASKS, status: 401, count: 1 })
  const unauthorized = await listTasks(app)
  t.equal(unauthorized.statusCode, 401, '401')
  t.equal(unauthorized.json().error_code, 'invalid_credentials', 'invalid_credentials')
  t.equal(unauthorized.headers['www-authenticate'], 'Bearer', 'WWW-Authenticate')

  await arm(app, { operation_id: TASKS, status: 404, count: 1 })
  t.equal((await listTasks(app)).json().error_code, 'integration_not_found', '404 of an integration')

  await arm(app, { operation_id: TASK_SPEC, status: 413, count: 1 })
  const large = await putTask(app)
  t.match(large.json(), { error_code: 'payload_too_large', limit_bytes: Number }, '413 names a limit')

  await arm(app, { operation_id: 'post_lan_agent_cli_token', status: 500, count: 1 })
  const internal = await app.inject({ method: 'POST', url: `${API}/lan-agent/cli/token`, headers: ALICE })
  t.equal(internal.statusCode, 500, '500')
  t.equal(internal.json().error_code, 'internal_error', 'internal_error')
})

t.test('faults of one operation apply in the order armed; faults run before auth', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  await arm(app, { operation_id: TASKS, status: 503, count: 1 })
  await arm(app, { operation_id: TASKS, status: 500, count: 2 })
  const statuses = []
  for (let i = 0; i < 4; i += 1) statuses.push((await listTasks(app, { 'x-org': ORG_A })).statusCode)
  t.same(statuses, [503, 500, 500, 401], 'queued faults in order, then the real 401')
})

t.test('a fault without a count stays until cleared; clearing can target one operation', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  await arm(app, { operation_id: TASKS, status: 503 })
  await arm(app, { operation_id: TASK_SPEC, status: 500 })
  for (let i = 0; i < 5; i += 1) t.equal((await listTasks(app)).statusCode, 503, `call ${i}: 503`)
  const listed = (await admin(app, { url: '/faults' })).json().faults
  t.same(listed.map((f: { operation_id: string; remaining: null }) => [f.operation_id, f.remaining]),
    [[TASKS, null], [TASK_SPEC, null]], 'both listed, without a count')
  const one = await admin(app, { method: 'DELETE', url: `/faults?operation_id=${TASKS}` })
  t.same(one.json(), { cleared: 1 }, 'one cleared')
  t.equal((await listTasks(app)).statusCode, 200, 'tasks answers again')
  t.equal((await putTask(app)).statusCode, 500, 'task-spec still faulted')
  const all = await admin(app, { method: 'DELETE', url: '/faults' })
  t.same(all.json(), { cleared: 1 }, 'the rest cleared')
  t.equal((await putTask(app)).statusCode, 200, 'task-spec answers again')
})

t.test('latency delays the call, which then proceeds', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  await arm(app, { operation_id: TASKS, latency_ms: 300, count: 1 })
  const started = performance.now()
  const reply = await listTasks(app)
  const elapsed = performance.now() - started
  t.equal(reply.statusCode, 200, 'the operation answered')
  t.ok(elapsed >= 290, `it took at least the latency (${Math.round(elapsed)} ms)`)
  t.ok(reply.headers['x-fault-injected'], 'marked as shaped by a fault')
  await arm(app, { operation_id: TASKS, latency_ms: 100, status: 503, count: 1 })
  t.equal((await listTasks(app)).statusCode, 503, 'latency then a status')
})

t.test('drop_connection resets the connection of a real client', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  await arm(app, { operation_id: 'get_lan_agent_meta', drop_connection: true, count: 1 })
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const dropped = await fetch(`${address}${API}/lan-agent/meta`).then(
    (response) => `status ${response.status}`,
    (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? error.message,
  )
  t.match(dropped, /^(UND_ERR_SOCKET|ECONNRESET|UND_ERR_CLOSED)$/, `the client saw ${dropped}`)
  const next = await fetch(`${address}${API}/lan-agent/meta`)
  t.equal(next.status, 200, 'the next call is normal')
  const [, droppedEntry] = (await admin(app, { url: '/requests' })).json().entries
  t.match(droppedEntry, { operation_id: 'get_lan_agent_meta', status: null, fault: String },
    'the journal records the dropped call with no status')
})

t.test('arming refuses what the operation does not document', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  for (const [what, payload, pattern] of [
    ['an undocumented status', { operation_id: TASKS, status: 418 }, /documented: 200, 400, 401/],
    ['a status meta lacks', { operation_id: 'get_lan_agent_meta', status: 401 }, /documented: 200/],
    ['an unknown operation', { operation_id: 'get_nothing', status: 500 }, /known: .*get_lan_agent_meta/],
    ['an admin operation', { operation_id: 'post_admin_reset', status: 500 }, /Unknown operation_id/],
    ['drop and a status', { operation_id: TASKS, status: 503, drop_connection: true }, /either/],
    ['a fault that does nothing', { operation_id: TASKS }, /needs/],
    ['a 2xx alone', { operation_id: TASKS, status: 200 }, /needs/],
  ] as const) {
    const reply = await arm(app, payload)
    t.equal(reply.statusCode, 400, `${what}: 400`)
    t.equal(reply.json().error_code, 'invalid_request', `${what}: invalid_request`)
    t.match(reply.json().message, pattern, `${what}: says why`)
  }
  for (const [what, payload] of [
    ['a zero count', { operation_id: TASKS, status: 503, count: 0 }],
    ['a latency beyond a minute', { operation_id: TASKS, latency_ms: 60_001 }],
    ['an unknown field', { operation_id: TASKS, status: 503, colour: 'red' }],
  ] as const) {
    t.equal((await arm(app, payload)).statusCode, 400, `${what}: 400 by the schema`)
  }
  t.same((await admin(app, { url: '/faults' })).json(), { faults: [] }, 'nothing was armed')
})

t.test('Prefer: code=<status> forces a documented status for one request', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  const forced = await listTasks(app, { ...ALICE_A, prefer: 'code=503' })
  t.equal(forced.statusCode, 503, 'forced 503')
  t.equal(forced.headers['x-fault-injected'], 'prefer', 'marked prefer')
  t.equal(forced.headers['retry-after'], '1', 'with Retry-After')
  const noCredentials = await listTasks(app, { prefer: 'code=404' })
  t.equal(noCredentials.json().error_code, 'integration_not_found', 'no credentials needed')
  const quoted = await listTasks(app, { ...ALICE_A, prefer: 'respond-async, CODE="401"; x=y' })
  t.equal(quoted.statusCode, 401, 'among other preferences, quoted, any case')
  const success = await listTasks(app, { ...ALICE_A, prefer: 'code=200' })
  t.equal(success.statusCode, 200, '2xx proceeds normally')
  t.equal(success.headers['x-fault-injected'], undefined, 'and is not marked')
  const successNoAuth = await listTasks(app, { 'x-org': ORG_A, prefer: 'code=200' })
  t.equal(successNoAuth.statusCode, 401, 'a 2xx still needs real credentials')
  const other = await listTasks(app, { ...ALICE_A, prefer: 'return=minimal' })
  t.equal(other.statusCode, 200, 'other preferences are ignored')
  for (const code of ['418', '426', 'abc', '']) {
    const refused = await listTasks(app, { ...ALICE_A, prefer: `code=${code}` })
    t.equal(refused.statusCode, 400, `code=${code}: 400`)
    t.match(refused.json(), {
      error_code: 'invalid_request',
      message: /documented: 200, 400, 401, 403, 404, 414, 500, 503/,
    }, `code=${code}: names the allowed statuses`)
  }
  await arm(app, { operation_id: TASKS, status: 500, count: 1 })
  t.equal((await listTasks(app, { ...ALICE_A, prefer: 'code=403' })).statusCode, 403,
    'Prefer wins over an armed fault')
  t.equal((await listTasks(app)).statusCode, 500, 'and does not use the fault up')
})

t.test('with two instances a counted fault is used exactly count times', (t) =>
  forEachStore(t, async (t, store) => {
    const pair = await twoInstances(t, { store, env: FAST_SYNC })
    if (!pair) return
    const [one, two] = pair
    await arm(one.app, { operation_id: TASKS, status: 503, count: 5 })
    const seen = await eventually(
      async () => (await admin(two.app, { url: '/faults' })).json().faults.length === 1,
    )
    t.ok(seen, 'instance two sees the fault')
    const replies = await Promise.all(
      Array.from({ length: 24 }, (_, i) => listTasks(i % 2 === 0 ? one.app : two.app)),
    )
    const statuses = replies.map((reply) => reply.statusCode)
    t.equal(statuses.filter((s) => s === 503).length, 5, 'exactly five calls got the fault')
    t.equal(statuses.filter((s) => s === 200).length, 19, 'all others answered normally')
  }),
)

t.test('forced replies of the bootstrap operations carry their own codes', async (t) => {
  const { faultError } = await import('../../src/admin/fault-replies.js')
  const context = {
    bodyLimit: 1024,
    minProtocolVersion: 2,
    protocolVersion: 2,
    upgradeDownloadUrl: 'http://x/',
  }
  const script = {
    operationId: 'get_lan_agent_cli_bootstrap_sh',
    method: 'GET',
    url: '/api/v1/lan-agent/cli/bootstrap.sh',
    statuses: [200, 400, 401, 503],
    integrationScoped: false,
  }
  const mint = { ...script, operationId: 'post_lan_agent_cli_bootstrap_token', method: 'POST' }
  const code = (operation: typeof script, status: number) =>
    faultError(operation, status, context, 'a test').code
  t.equal(code(script, 400), 'invalid_bootstrap_key', 'bootstrap.sh 400')
  t.equal(code(script, 401), 'bootstrap_key_rejected', 'bootstrap.sh 401')
  t.equal(code(script, 503), 'storage_unavailable', 'bootstrap.sh 503')
  t.equal(code(mint, 400), 'invalid_request', 'bootstrap-token 400')
  t.equal(code(mint, 401), 'invalid_credentials', 'bootstrap-token 401')
  t.equal(code(mint, 500), 'internal_error', 'bootstrap-token 500')
  t.equal(code(mint, 404), 'route_not_found', 'a 404 outside integrations')
  t.same(faultError(mint, 503, context, 'a test').headers, { 'retry-after': '1' }, 'Retry-After')
})
