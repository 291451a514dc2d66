import t from 'tap'
import { admin, eventually, FAST_SYNC, twoInstances } from '../fixtures/admin.js'
import { buildTestApp, forEachStore } from '../fixtures/app.js'
import { ALICE, API, apiKey, ORG_A, taskSpecUrl, tasksUrl } from '../fixtures/seed.js'

const ORG_X = '01KDVDNA00XXXXXXXXXXXXXXXX'
const USER_X = '01KDVDNA00XXXXXXXXXXXXXXX1'
const INT_X1 = '01KDVDNA00XXXXXXXXXXXXXXX2'

const tenant = {
  orgs: [{ id: ORG_X.toLowerCase(), name: 'Suite org' }],
  users: [
    {
      id: USER_X,
      name: 'suite user',
      orgs: [ORG_X],
      api_keys: ['suite-user-key'],
      sessions: ['suite-user-session'],
    },
  ],
  integrations: [{ id: ` ${INT_X1} `, org_id: ORG_X, provider: 'waveshare', name: 'X1' }],
  tasks_catalog: [
    { task: 'suite.task', one_shot: true, requires_integration: false, description: 'A test.' },
  ],
}

const task = { task_id: 'job-1', lan_protocol_version: 2, payload: { n: 1 } }

t.test('a suite creates its own tenant and uses it at once', (t) =>
  forEachStore(t, async (t, store) => {
    const built = await buildTestApp(t, { store })
    if (!built) return
    const { app } = built
    const created = await admin(app, { method: 'POST', url: '/fixtures', payload: tenant })
    t.equal(created.statusCode, 201, 'created')
    t.same(
      created.json(),
      {
        orgs: [{ id: ORG_X, name: 'Suite org' }],
        users: [tenant.users[0]],
        integrations: [{ id: INT_X1, org_id: ORG_X, provider: 'waveshare', name: 'X1' }],
        tasks_catalog: tenant.tasks_catalog,
      },
      'the records as stored, ULIDs trimmed and upper-cased',
    )
    const key = { 'x-api-key': apiKey('suite-user-key'), 'x-org': ORG_X }
    const stored = await app.inject({ method: 'POST', url: taskSpecUrl(INT_X1), headers: key, payload: task })
    t.equal(stored.statusCode, 200, 'the fixture user queues a task on the fixture integration')
    const session = { cookie: 'ory_kratos_session=suite-user-session', 'x-org': ORG_X }
    const listed = await app.inject({ url: tasksUrl(INT_X1), headers: session })
    t.same(listed.json(), { task_ids: ['job-1'] }, 'the fixture session lists it')
    const alice = await app.inject({ url: tasksUrl(INT_X1), headers: { ...ALICE, 'x-org': ORG_X } })
    t.equal(alice.statusCode, 403, 'a seed user is not a member of the fixture org')
    const meta = await app.inject({ url: `${API}/lan-agent/meta` })
    t.ok(
      meta.json().tasks_catalog.some((entry: { task: string }) => entry.task === 'suite.task'),
      'the catalog entry is served by meta',
    )
    const listedFixtures = await admin(app, { url: '/fixtures' })
    t.same(listedFixtures.json(), created.json(), 'GET lists the fixtures, not the seed')
  }),
)

t.test('ids and credentials left out are generated, and work', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  const created = await admin(app, {
    method: 'POST',
    url: '/fixtures',
    payload: { orgs: [{}], users: [{ orgs: [ORG_A] }] },
  })
  t.equal(created.statusCode, 201, 'created')
  const body = created.json()
  const org = body.orgs[0]
  const user = body.users[0]
  t.match(org.id, /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/, 'a generated org ULID')
  t.equal(user.api_keys.length, 1, 'one generated API key')
  t.equal(user.sessions.length, 1, 'one generated session')
  t.not(user.api_keys[0], user.sessions[0], 'distinct secrets')
  t.notOk(user.api_keys[0].includes(user.id.toLowerCase().slice(0, 20)), 'a key is not the id')
  const reply = await app.inject({
    method: 'POST',
    url: `${API}/lan-agent/cli/token`,
    headers: { authorization: `Bearer anything_openapp_${user.api_keys[0]}` },
  })
  t.equal(reply.statusCode, 200, 'the generated key authenticates')
})

const bad: [string, unknown, string][] = [
  ['an id that is not a ULID', { orgs: [{ id: 'not-a-ulid' }] }, 'invalid_fixture'],
  ['an id with I (refused, not mapped)', { orgs: [{ id: '01KDVDNA00IIIIIIIIIIIIIIII' }] }, 'invalid_fixture'],
  ['an id taken by the seed', { orgs: [{ id: ORG_A }] }, 'invalid_fixture'],
  ['an id twice in one batch', { orgs: [{ id: ORG_X }, { id: ORG_X }] }, 'invalid_fixture'],
  ['a user in an unknown org', { users: [{ orgs: ['01KDVDNA00YYYYYYYYYYYYYYYY'] }] }, 'invalid_fixture'],
  ['a user naming an org twice', { users: [{ orgs: [ORG_A, ORG_A] }] }, 'invalid_fixture'],
  ['an integration of an unknown org', { integrations: [{ org_id: ORG_X }] }, 'invalid_fixture'],
  ['a key of a seed user', { users: [{ orgs: [ORG_A], api_keys: ['dev-alice-key'] }] }, 'invalid_fixture'],
  ['a session equal to a seed key', { users: [{ orgs: [ORG_A], sessions: ['dev-bob-key'] }] }, 'invalid_fixture'],
  [
    'one secret for two users of a batch',
    { users: [{ orgs: [ORG_A], api_keys: ['same-secret'] }, { orgs: [ORG_A], sessions: ['same-secret'] }] },
    'invalid_fixture',
  ],
  ['a key containing _openapp_', { users: [{ orgs: [ORG_A], api_keys: ['x_openapp_abcdefgh'] }] }, 'invalid_fixture'],
  ['a key too short', { users: [{ orgs: [ORG_A], api_keys: ['short'] }] }, 'invalid_fixture'],
  ['a key with a space', { users: [{ orgs: [ORG_A], api_keys: ['has a space'] }] }, 'invalid_fixture'],
  [
    'a catalog task the seed has',
    { tasks_catalog: [{ task: 'serve', one_shot: false, requires_integration: false, description: '' }] },
    'invalid_fixture',
  ],
  ['an unknown field', { orgs: [{ id: ORG_X, colour: 'red' }] }, 'invalid_request'],
  ['an unknown kind', { groups: [] }, 'invalid_request'],
  ['a user without orgs', { users: [{ name: 'nobody' }] }, 'invalid_request'],
  [
    'a good batch whose last record is bad',
    {
      orgs: [{ id: ORG_X }],
      users: [{ id: USER_X, orgs: [ORG_X], api_keys: ['fresh-key-1'] }],
      integrations: [{ id: INT_X1, org_id: '01KDVDNA00YYYYYYYYYYYYYYYY' }],
    },
    'invalid_fixture',
  ],
]

t.test('bad fixture input is refused with 400 and nothing is stored', (t) =>
  forEachStore(t, async (t, store) => {
    const built = await buildTestApp(t, { store })
    if (!built) return
    const { app } = built
    const before = (await admin(app, { url: '/fixtures' })).json()
    for (const [what, payload, code] of bad) {
      const reply = await admin(app, { method: 'POST', url: '/fixtures', payload })
      t.equal(reply.statusCode, 400, `${what}: 400`)
      t.equal(reply.json().error_code, code, `${what}: ${code}`)
      t.same((await admin(app, { url: '/fixtures' })).json(), before, `${what}: nothing stored`)
    }
    const fresh = await app.inject({
      url: `${API}/lan-agent/meta`,
      headers: { 'x-api-key': apiKey('fresh-key-1') },
    })
    t.equal(fresh.statusCode, 200, 'meta still answers')
    const token = await app.inject({
      method: 'POST',
      url: `${API}/lan-agent/cli/token`,
      headers: { 'x-api-key': apiKey('fresh-key-1') },
    })
    t.equal(token.statusCode, 401, 'the key of the refused batch does not exist')
  }),
)

t.test('a fixture made on one instance is served by another within the sync interval', (t) =>
  forEachStore(t, async (t, store) => {
    const pair = await twoInstances(t, { store, env: FAST_SYNC })
    if (!pair) return
    const [one, two] = pair
    const created = await admin(one.app, { method: 'POST', url: '/fixtures', payload: tenant })
    t.equal(created.statusCode, 201, 'created on instance one')
    const headers = { 'x-api-key': apiKey('suite-user-key'), 'x-org': ORG_X }
    const seen = await eventually(async () => {
      const reply = await two.app.inject({ url: tasksUrl(INT_X1), headers })
      return reply.statusCode === 200
    })
    t.ok(seen, 'instance two serves the fixture tenant')
    const again = await admin(two.app, { method: 'POST', url: '/fixtures', payload: tenant })
    t.equal(again.statusCode, 400, 'instance two refuses the same ids: it sees the shared set')
  }),
)
