import t from 'tap'
import { admin, ADMIN_TOKEN } from '../fixtures/admin.js'
import { buildTestApp, forEachStore } from '../fixtures/app.js'
import { ALICE, ALICE_ID, API, INT_A1, ORG_A, ORG_B, taskSpecUrl } from '../fixtures/seed.js'

/** Real time that may pass between two calls of a test on a loaded machine. */
const SLACK_MS = 20_000

const PAGE_FILES = ['/__admin/ui', '/__admin/ui/app.js', '/__admin/ui/app.css']

async function mintKey(app: Parameters<typeof admin>[0]) {
  const reply = await app.inject({
    method: 'POST',
    url: `${API}/lan-agent/cli/bootstrap-token`,
    headers: ALICE,
    payload: {
      task_id: 'serve',
      api_base_url: 'http://localhost:4455/api/v1',
      integration_id: INT_A1,
    },
  })
  return reply.json().bootstrap_key as string
}

t.test('the live view and its files: served, locked down, out of the document', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  for (const url of PAGE_FILES) {
    const reply = await app.inject({ url })
    t.equal(reply.statusCode, 200, `${url} is served`)
    t.match(reply.headers['content-security-policy'], /default-src 'none'; script-src 'self'/,
      `${url}: only this server's files and API`)
    t.equal(reply.headers['x-content-type-options'], 'nosniff', `${url}: nosniff`)
  }
  const page = await app.inject({ url: '/__admin/ui' })
  t.match(page.headers['content-type'], /^text\/html/, 'the page is HTML')
  t.match(page.body, 'data-token-required="false"', 'no token needed without ADMIN_TOKEN')
  t.notMatch(page.body, /<script>|https?:\/\//, 'no inline script and no outside URL')
  const document = (await app.inject({ url: `${API}/openapi.json` })).json()
  t.notOk(Object.keys(document.paths).some((path) => path.startsWith('/__admin/ui')),
    'the page is not an operation of the document')
  t.ok(document.paths['/__admin/state']?.get, 'the state it reads is: GET /__admin/state')

  for (const url of ['/docs', '/docs/static/swagger-ui.css', '/docs/json']) {
    t.equal((await app.inject({ url })).statusCode, 200, `${url} loads`)
  }
  await admin(app, { url: '/state' })
  const journal = (await admin(app, { url: '/requests' })).json()
  const paths = journal.entries.map((entry: { path: string }) => entry.path)
  t.same(paths, [`${API}/openapi.json`],
    'the journal holds the API call only: pages, their files and polls are not journaled')
})

t.test('with ADMIN_TOKEN the page asks for it and never carries it', async (t) => {
  const built = await buildTestApp(t, { env: { ADMIN_TOKEN } })
  if (!built) return
  const { app } = built
  for (const url of PAGE_FILES) {
    const reply = await app.inject({ url })
    t.equal(reply.statusCode, 200, `${url} loads without the token: it holds no data`)
    t.notMatch(reply.body, ADMIN_TOKEN, `${url} does not contain the token`)
  }
  t.match((await app.inject({ url: '/__admin/ui' })).body, 'data-token-required="true"',
    'the page knows to ask for the token')
  t.equal((await admin(app, { url: '/state' })).statusCode, 401, 'the state needs the token')
  t.equal((await admin(app, { url: '/state', token: 'wrong-token-0123456789' })).statusCode, 401,
    'a wrong token is refused')
  t.equal((await admin(app, { url: '/state', token: ADMIN_TOKEN })).statusCode, 200,
    'the right token reads it')
})

t.test('where the admin API is off, so is the page', async (t) => {
  const cases: Record<string, string>[] = [{ ADMIN_ENABLED: 'false' }, { NODE_ENV: 'production' }]
  for (const env of cases) {
    const built = await buildTestApp(t, { env })
    if (!built) return
    for (const url of [...PAGE_FILES, '/__admin/state']) {
      const reply = await built.app.inject({ url })
      t.equal(reply.statusCode, 404, `${JSON.stringify(env)}: ${url} does not exist`)
    }
  }
})

t.test('GET /__admin/state: tenants, queues and live keys, without secrets', async (t) => {
  await forEachStore(t, async (t, kind) => {
    const built = await buildTestApp(t, { store: kind })
    if (!built) return
    const { app, clock } = built
    const empty = (await admin(app, { url: '/state' })).json()
    t.same(empty.bootstrap_keys, [], 'no bootstrap keys at first')
    t.same(empty.orgs.map((org: { id: string }) => org.id), [ORG_A, ORG_B], 'the seed orgs')

    const key = await mintKey(app)
    const queued = await app.inject({
      method: 'POST',
      url: taskSpecUrl(INT_A1),
      headers: { ...ALICE, 'x-org': ORG_A },
      payload: { task_id: 'door-1', lan_protocol_version: 2, payload: {} },
    })
    t.equal(queued.statusCode, 200, 'a task is queued')
    clock.advance(5_000)

    const reply = await admin(app, { url: '/state' })
    t.equal(reply.statusCode, 200, 'the state answers')
    const state = reply.json()
    t.equal(state.store, kind, 'it names the store')
    const orgA = state.orgs.find((org: { id: string }) => org.id === ORG_A)
    t.same(orgA.users.map((user: { name: string }) => user.name), ['alice', 'carol'],
      'members by name')
    const a1 = orgA.integrations.find((integration: { id: string }) => integration.id === INT_A1)
    t.match(a1, { name: 'A1', provider: 'waveshare', queue: { size: 1 } }, 'A1 and its queue')
    const task = a1.queue.tasks[0]
    t.equal(task.task_id, 'door-1', 'the task is listed')
    // Real time runs too between the calls: bounds, not exact figures.
    t.ok(task.age_ms >= 5_000 && task.age_ms < 5_000 + SLACK_MS, 'with its age', { task })
    const taskLeft = 86_400_000 - 5_000
    t.ok(task.expires_in_ms <= taskLeft && task.expires_in_ms > taskLeft - SLACK_MS,
      'and its time left', { task })

    t.equal(state.bootstrap_keys.length, 1, 'the minted key is listed')
    t.match(state.bootstrap_keys[0], {
      key_hint: `${key.slice(0, 4)}…${key.slice(-4)}`,
      user_id: ALICE_ID,
      user_name: 'alice',
      task_id: 'serve',
      integration_id: INT_A1,
    }, 'as a hint, with user, task and integration')
    const left = state.bootstrap_keys[0].expires_in_ms
    t.ok(left <= 595_000 && left > 595_000 - SLACK_MS, 'and its time left', { left })
    t.notMatch(reply.body, key, 'the key itself never appears')
    t.notMatch(reply.body, /eyJ[\w-]+\.[\w-]+\./, 'nor any JWT')
    t.notMatch(reply.body, /dev-\w+-key|dev-\w+-session/, 'nor any API key or session')

    clock.advance(600_000)
    const later = (await admin(app, { url: '/state' })).json()
    t.same(later.bootstrap_keys, [], 'an expired key is gone from the state')
    t.equal(later.clock_offset_ms, 605_000, 'the clock offset is reported')
  })
})
