import t from 'tap'
import { buildTestApp, forEachStore } from '../fixtures/app.js'
import {
  ALICE, BOB, CAROL, INT_A1, INT_A2, INT_B1, ORG_A, ORG_B, taskSpecUrl, tasksUrl,
} from '../fixtures/seed.js'

const body = (overrides: Record<string, unknown> = {}) => ({
  task_id: '01KDVDNA00000000000000TASK',
  lan_protocol_version: 2,
  payload: { door: 'front' },
  ...overrides,
})

t.test('task-spec stores a task that tasks then lists', (t) =>
  forEachStore(t, async (t, store) => {
    const built = await buildTestApp(t, { store })
    if (!built) return
    const { app } = built
    const headers = { ...ALICE, 'x-org': ORG_A }
    const reply = await app.inject({ method: 'POST', url: taskSpecUrl(INT_A1), headers, payload: body() })
    t.equal(reply.statusCode, 200, 'stored')
    const json = reply.json()
    t.match(json, {
      lan_protocol_version: 2,
      task_id: '01KDVDNA00000000000000TASK',
      spec: {
        task_id: '01KDVDNA00000000000000TASK',
        integration_id: INT_A1,
        payload: { door: 'front' },
        queued_at: String,
        expires_at: String,
      },
    }, 'the reply carries the stored spec')
    const ttl = Date.parse(json.spec.expires_at) - Date.parse(json.spec.queued_at)
    t.equal(ttl, 86_400_000, 'tasks live for the default 24 h')
    const list = await app.inject({ url: tasksUrl(INT_A1), headers })
    t.same(list.json(), { task_ids: ['01KDVDNA00000000000000TASK'] }, 'an object with task_ids')
    const other = await app.inject({ url: tasksUrl(INT_A2), headers })
    t.same(other.json(), { task_ids: [] }, 'the other integration stays empty')
  }),
)

t.test('the reply version is the lower of caller and server', async (t) => {
  const built = await buildTestApp(t, { env: { LAN_PROTOCOL_VERSION: '3' } })
  if (!built) return
  const headers = { ...ALICE, 'x-org': ORG_A }
  const newer = await built.app.inject({
    method: 'POST', url: taskSpecUrl(INT_A1), headers, payload: body({ lan_protocol_version: 7 }),
  })
  t.equal(newer.json().lan_protocol_version, 3, 'a newer agent gets the server version')
  const older = await built.app.inject({
    method: 'POST', url: taskSpecUrl(INT_A1), headers, payload: body({ lan_protocol_version: 2 }),
  })
  t.equal(older.json().lan_protocol_version, 2, 'an older supported agent keeps its version')
})

t.test('an older protocol gets 426 with Upgrade and nothing is stored', (t) =>
  forEachStore(t, async (t, store) => {
    const built = await buildTestApp(t, { store })
    if (!built) return
    const headers = { ...ALICE, 'x-org': ORG_A }
    const reply = await built.app.inject({
      method: 'POST', url: taskSpecUrl(INT_A1), headers, payload: body({ lan_protocol_version: 1 }),
    })
    t.equal(reply.statusCode, 426, '426 Upgrade Required')
    t.equal(reply.headers.upgrade, 'lan-protocol/2', 'Upgrade names the minimum')
    t.notMatch(String(reply.headers.connection ?? ''), /upgrade/i, 'never Connection: upgrade')
    t.match(reply.json(), {
      error_code: 'lan_protocol_too_old',
      min_lan_protocol_version: 2,
      lan_protocol_version: 2,
      upgrade_download_url: /^http:\/\/localhost:4455\/api\/v1\/lan-agent\/dist\//,
      correlationId: reply.headers['x-request-id'],
    }, 'envelope with versions')
    const list = await built.app.inject({ url: tasksUrl(INT_A1), headers })
    t.same(list.json().task_ids, [], 'nothing stored')
  }),
)

t.test('bad bodies are refused in the envelope and nothing is stored', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  const headers = { ...ALICE, 'x-org': ORG_A }
  const cases: [string, unknown, number, string][] = [
    ['unknown top-level field', body({ extra: 1 }), 400, 'invalid_request'],
    ['missing payload', { task_id: 'x', lan_protocol_version: 2 }, 400, 'invalid_request'],
    ['missing task_id', { payload: {}, lan_protocol_version: 2 }, 400, 'invalid_request'],
    ['version as a string', body({ lan_protocol_version: '2' }), 400, 'invalid_request'],
    ['negative version', body({ lan_protocol_version: -1 }), 400, 'invalid_request'],
    ['fractional version', body({ lan_protocol_version: 2.5 }), 400, 'invalid_request'],
    ['task id with a space', body({ task_id: 'a b' }), 400, 'invalid_request'],
    ['task id too long', body({ task_id: 'a'.repeat(129) }), 400, 'invalid_request'],
    ['an array body', [body()], 400, 'invalid_request'],
  ]
  for (const [what, payload, status, code] of cases) {
    const reply = await app.inject({ method: 'POST', url: taskSpecUrl(INT_A1), headers, payload: payload as object })
    t.equal(reply.statusCode, status, `${what}: status`)
    t.equal(reply.json().error_code, code, `${what}: code`)
  }
  const malformed = await app.inject({
    method: 'POST', url: taskSpecUrl(INT_A1),
    headers: { ...headers, 'content-type': 'application/json' }, payload: '{"a":',
  })
  t.equal(malformed.json().error_code, 'invalid_json', 'malformed JSON')
  const huge = await app.inject({
    method: 'POST', url: taskSpecUrl(INT_A1), headers,
    payload: body({ payload: 'x'.repeat(2 * 1024 * 1024) }),
  })
  t.equal(huge.statusCode, 413, 'a 2 MiB payload is too large')
  t.match(huge.json(), { error_code: 'payload_too_large', message: /\d+ bytes/ }, 'limit stated')
  const justOver = await app.inject({
    method: 'POST', url: taskSpecUrl(INT_A1), headers,
    payload: body({ payload: 'x'.repeat(262_144) }),
  })
  t.equal(justOver.statusCode, 413, 'a payload just over 256 KiB is too large')
  t.match(justOver.json().message, /262144 bytes/, 'the payload limit is stated')
  const list = await app.inject({ url: tasksUrl(INT_A1), headers })
  t.same(list.json().task_ids, [], 'nothing was stored by any rejected request')
})

t.test('tenancy: org header, membership, integration ownership', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  const post = (headers: Record<string, string>, integration = INT_A1) =>
    app.inject({ method: 'POST', url: taskSpecUrl(integration), headers, payload: body() })
  const expect = async (what: string, reply: Promise<{ statusCode: number; json: () => any }>, status: number, code: string) => {
    const r = await reply
    t.equal(r.statusCode, status, `${what}: ${status}`)
    t.equal(r.json().error_code, code, `${what}: ${code}`)
  }
  await expect('no X-Org', post({ ...ALICE }), 400, 'invalid_org_header')
  await expect('empty X-Org', post({ ...ALICE, 'x-org': '' }), 400, 'invalid_org_header')
  await expect('not a ULID', post({ ...ALICE, 'x-org': 'org-a' }), 400, 'invalid_org_header')
  await expect('I/L/O/U not mapped', post({ ...ALICE, 'x-org': ORG_A.replace('1', 'I') }), 400, 'invalid_org_header')
  await expect('overflowing ULID', post({ ...ALICE, 'x-org': `8${ORG_A.slice(1)}` }), 400, 'invalid_org_header')
  await expect('repeated X-Org', post({ ...ALICE, 'x-org': `${ORG_A}, ${ORG_A}` }), 400, 'invalid_org_header')
  await expect('not a member', post({ ...ALICE, 'x-org': ORG_B }), 403, 'forbidden_org')
  await expect('another org’s integration', post({ ...ALICE, 'x-org': ORG_A }, INT_B1), 404, 'integration_not_found')
  await expect('unknown integration', post({ ...ALICE, 'x-org': ORG_A }, '01KDVDNA0000000000000000ZZ'), 404, 'integration_not_found')
  await expect('integration not a ULID', post({ ...ALICE, 'x-org': ORG_A }, 'abc'), 400, 'invalid_integration_id')
  await expect('bob in org A', post({ ...BOB, 'x-org': ORG_A }), 403, 'forbidden_org')
  const lower = await post({ ...ALICE, 'x-org': ` ${ORG_A.toLowerCase()} ` })
  t.equal(lower.statusCode, 200, 'a lower-case, padded X-Org is canonicalised')
  const carol = await post({ ...CAROL, 'x-org': ORG_B }, INT_B1)
  t.equal(carol.statusCode, 200, 'carol reaches org B')
  const aliceList = await app.inject({ url: tasksUrl(INT_A1), headers: { ...ALICE, 'x-org': ORG_A } })
  t.notOk(JSON.stringify(aliceList.json()).includes(INT_B1), 'org B data never leaks to alice')
})

t.test('agent tokens act within their claims', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  const user = await app.tokens.signAgentToken(
    { sub: 'U', orgs: [ORG_A], integration_id: null, task_id: null }, 3600,
  )
  const scoped = await app.tokens.signAgentToken(
    { sub: 'U', orgs: [ORG_A], integration_id: INT_A1, task_id: 't' }, 3600,
  )
  const bearer = (token: string) => ({ authorization: `Bearer ${token}`, 'x-org': ORG_A })
  t.equal((await app.inject({ url: tasksUrl(INT_A2), headers: bearer(user.token) })).statusCode, 200,
    'an org-wide agent token reaches every integration of its org')
  t.equal((await app.inject({ url: tasksUrl(INT_A1), headers: bearer(scoped.token) })).statusCode, 200,
    'a scoped token reaches its integration')
  const a2 = await app.inject({ url: tasksUrl(INT_A2), headers: bearer(scoped.token) })
  t.equal(a2.statusCode, 403, 'a token for A1 used on A2 is refused')
  t.equal(a2.json().error_code, 'forbidden_integration', 'with its own code')
  const other = await app.inject({
    url: tasksUrl(INT_B1), headers: { authorization: `Bearer ${user.token}`, 'x-org': ORG_B },
  })
  t.equal(other.statusCode, 403, 'a token without org B is refused there')
  built.clock.advance(3600_000 + 61_000)
  const expired = await app.inject({ url: tasksUrl(INT_A1), headers: bearer(user.token) })
  t.equal(expired.statusCode, 401, 'an expired token is refused once the clock passes exp + skew')
  t.equal(expired.headers['www-authenticate']?.toString().startsWith('Bearer'), true, 'challenge')
})

t.test('a full queue answers 429 queue_full with Retry-After', async (t) => {
  const built = await buildTestApp(t, { env: { TASK_QUEUE_MAX: '2' } })
  if (!built) return
  const headers = { ...ALICE, 'x-org': ORG_A }
  for (const id of ['a', 'b']) {
    const r = await built.app.inject({ method: 'POST', url: taskSpecUrl(INT_A1), headers, payload: body({ task_id: id }) })
    t.equal(r.statusCode, 200, `task ${id} stored`)
  }
  const full = await built.app.inject({ method: 'POST', url: taskSpecUrl(INT_A1), headers, payload: body({ task_id: 'c' }) })
  t.equal(full.statusCode, 429, 'the third is refused')
  t.equal(full.json().error_code, 'queue_full', 'queue_full')
  t.ok(Number(full.headers['retry-after']) > 0, 'Retry-After is set')
  built.clock.advance(86_400_000)
  const later = await built.app.inject({ method: 'POST', url: taskSpecUrl(INT_A1), headers, payload: body({ task_id: 'c' }) })
  t.equal(later.statusCode, 200, 'once the old tasks expire there is room again')
})
