import { existsSync } from 'node:fs'
import { decodeProtectedHeader } from 'jose'
import t from 'tap'
import { ulid } from 'ulid'
import { randomPrefix } from '../fixtures/redis.js'
import { parseExposition, sampleValue } from '../fixtures/scale/exposition.js'
import { waitFor } from '../fixtures/scale/processes.js'
import { redisBinariesSkip, startRedisCluster } from '../fixtures/scale/redis-servers.js'
import { startServerProcess, type ServerProcess } from '../fixtures/scale/server-process.js'
import { ALICE, CAROL, INT_A1, ORG_A } from '../fixtures/seed.js'

/** Short, so the test sees changes propagate quickly (defaults: 5 s keys, 1 s admin state). */
const SYNC_MS = 1_000
const ADMIN_TOKEN = 'scale-test-admin-token-0123456789'
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` }
const MINT_LIMIT = 4
const PUBLIC_BASE_URL = 'http://localhost:4455'

interface Jwks {
  keys: { kid: string }[]
}

const json = { 'content-type': 'application/json' }
const orgA = { ...ALICE, 'x-org': ORG_A }

async function kids(server: ServerProcess): Promise<string[]> {
  const response = await server.request('/.well-known/jwks.json')
  return ((await response.json()) as Jwks).keys.map((key) => key.kid).sort()
}

function pushTask(server: ServerProcess, taskId: string, payload: unknown) {
  return server.request(`/api/v1/integrations/${INT_A1}/lan-agent/task-spec`, {
    method: 'POST',
    headers: { ...orgA, ...json },
    body: JSON.stringify({ task_id: taskId, lan_protocol_version: 2, payload }),
  })
}

async function listTasks(server: ServerProcess, headers: Record<string, string> = orgA) {
  const response = await server.request(`/api/v1/integrations/${INT_A1}/lan-agent/tasks`, {
    headers: { ...headers, 'x-org': ORG_A },
  })
  return { status: response.status, body: (await response.json()) as { task_ids?: string[] } }
}

async function metricsOf(server: ServerProcess) {
  const response = await server.request('/metrics')
  return parseExposition(await response.text())
}

const skip = redisBinariesSkip()

t.test('two server processes on a 3-master Redis Cluster', { skip }, async (t) => {
  const cluster = await startRedisCluster(t)
  const env = {
    REDIS_CLUSTER_NODES: cluster.seeds,
    REDIS_KEY_PREFIX: randomPrefix(),
    JWKS_REFRESH_MS: String(SYNC_MS),
    ADMIN_SYNC_INTERVAL_MS: String(SYNC_MS),
    // Production keeps the admin surface off unless a token guards it.
    ADMIN_TOKEN,
    RATE_LIMIT_MINT_PER_USER: String(MINT_LIMIT),
    PUBLIC_BASE_URL,
    // Staging as compose runs it: production mode, with the dev seed allowed on purpose.
    NODE_ENV: 'production',
    ALLOW_DEV_SEED: 'true',
  }
  // Started together, so both race to create the keyring: compare-and-set must pick one.
  const [a, b] = await Promise.all([
    startServerProcess(t, 'A', env),
    startServerProcess(t, 'B', env),
  ])

  t.test('both instances publish the same signing keys', async (t) => {
    const onA = await kids(a)
    t.equal(onA.length, 1, 'one key after a simultaneous first start')
    t.same(await kids(b), onA, 'B publishes what A publishes')
  })

  t.test('an agent token minted on A is accepted by B', async (t) => {
    const url = '/api/v1/lan-agent/cli/token'
    const minted = await a.request(url, { method: 'POST', headers: ALICE })
    t.equal(minted.status, 200, 'A mints a token')
    const { access_token: token } = (await minted.json()) as { access_token: string }
    const listed = await listTasks(b, { authorization: `Bearer ${token}` })
    t.equal(listed.status, 200, 'B accepts the token A signed')
  })

  t.test('tasks pushed on B are listed on A, and the reverse', async (t) => {
    t.equal((await pushTask(b, 'cluster-1', { n: 1 })).status, 200, 'B stores a task')
    t.equal((await pushTask(b, 'cluster-2', { n: 2 })).status, 200, 'B stores another')
    t.same((await listTasks(a)).body.task_ids, ['cluster-1', 'cluster-2'], 'A lists both, in order')
    t.equal((await pushTask(a, 'cluster-1', { n: 3 })).status, 200, 'A updates the first')
    t.same((await listTasks(b)).body.task_ids, ['cluster-1', 'cluster-2'], 'B sees the order kept')
  })

  let bootstrapKey: string | null = null
  t.test('a bootstrap key minted on A fetches the installer from B', async (t) => {
    const minted = await a.request('/api/v1/lan-agent/cli/bootstrap-token', {
      method: 'POST',
      headers: { ...orgA, ...json },
      body: JSON.stringify({ task_id: 'serve', api_base_url: `${PUBLIC_BASE_URL}/api/v1` }),
    })
    t.equal(minted.status, 200, 'A mints a bootstrap key')
    const { bootstrap_key: key } = (await minted.json()) as { bootstrap_key: string }
    bootstrapKey = key
    const script = await b.request(`/api/v1/lan-agent/cli/bootstrap.sh?key=${key}`)
    t.equal(script.status, 200, 'B serves the installer for a key A minted')
    t.match(script.headers.get('content-type'), /^text\/x-shellscript/, 'as a shell script')
    t.match(await script.text(), /^#!/, 'starting with a shebang')
  })

  // Rate limits (issue of the resilience work) keep their counters in Redis; this step runs
  // once they are in the build. Carol mints nowhere else in this test, so her count is ours.
  const limited = existsSync(new URL('../../src/plugins/app/rate-limit.ts', import.meta.url))
  t.test('a per-user rate limit counts requests on both instances together',
    { skip: limited ? false : 'rate limits are not in this build' }, async (t) => {
      const mint = (server: ServerProcess) =>
        server.request('/api/v1/lan-agent/cli/bootstrap-token', {
          method: 'POST',
          headers: { ...CAROL, 'x-org': ORG_A, ...json },
          body: JSON.stringify({ task_id: 'serve', api_base_url: `${PUBLIC_BASE_URL}/api/v1` }),
        })
      const statuses: number[] = []
      for (const server of [a, b, a, b, a, b]) statuses.push((await mint(server)).status)
      t.same(statuses, [200, 200, 200, 200, 429, 429],
        `${MINT_LIMIT} mints pass across A and B together, then both refuse`)
    })

  t.test('each instance counts its own requests; queue depth is read from the shared store',
    async (t) => {
      const onA = await metricsOf(a)
      const onB = await metricsOf(b)
      const pushes = (m: typeof onA) => sampleValue(m, 'lan_agent_http_requests_total', {
        operation: 'post_integration_lan_agent_task_spec', status: '200',
      })
      t.equal(pushes(onB), 2, 'B counted the two pushes it served')
      t.equal(pushes(onA), 1, 'A counted the one update it served')
      const depth = { org: ORG_A, integration: INT_A1 }
      t.equal(sampleValue(onA, 'lan_agent_queue_depth', depth), 2, 'A samples the depth')
      t.equal(sampleValue(onB, 'lan_agent_queue_depth', depth), 2, 'B samples the same depth')
      for (const [name, m] of [['A', onA], ['B', onB]] as const) {
        const errors = sampleValue(m, 'lan_agent_redis_errors_total', { source: 'command' })
        t.equal(errors, 0, `${name} saw no Redis command failure`)
      }
    })

  // Fixtures, faults, the clock, key rotation and resets go through the admin surface
  // (issue 5); these steps run once it is in the build (its routes answer) and are reported
  // as skipped until then. Each change is made on one instance and observed on the other.
  // Present in the sources means it must answer: a renamed setting cannot turn these steps
  // into silent skips.
  const adminBuilt = existsSync(new URL('../../src/routes/admin/index.ts', import.meta.url))
  const noAdmin = adminBuilt ? false : 'the admin routes are not in this build'
  if (adminBuilt) {
    const probe = await a.request('/__admin/clock', { headers: ADMIN })
    t.equal(probe.status, 200, 'the admin surface answers with ADMIN_TOKEN in production')
  }
  const within = { timeoutMs: SYNC_MS * 10, intervalMs: 100 }
  const admin = (server: ServerProcess, path: string, method: string, body?: unknown) =>
    server.request(`/__admin${path}`, {
      method,
      headers: body === undefined ? ADMIN : { ...ADMIN, ...json },
      body: body === undefined ? undefined : JSON.stringify(body),
    })

  t.test('fixtures added on A serve requests on B', { skip: noAdmin }, async (t) => {
    const org = ulid()
    const integration = ulid()
    const key = `scale-${ulid().toLowerCase()}`
    const added = await admin(a, '/fixtures', 'POST', {
      orgs: [{ id: org, name: 'Scale test org' }],
      users: [{ name: 'Scale tester', orgs: [org], api_keys: [key] }],
      integrations: [{ id: integration, org_id: org }],
    })
    t.equal(added.status, 201, 'A adds an org, a user and an integration')
    const headers = { 'x-api-key': `x_openapp_${key}`, 'x-org': org }
    await waitFor('B to serve the new tenant', async () => (await b.request(
      `/api/v1/integrations/${integration}/lan-agent/tasks`, { headers })).status === 200, within)
    const listed = await b.request(`/api/v1/integrations/${integration}/lan-agent/tasks`, {
      headers,
    })
    t.same(await listed.json(), { task_ids: [] }, 'B knows the user and the integration')
  })

  t.test('a fault armed on A is injected on B; cleared on B, it is gone on A',
    { skip: noAdmin }, async (t) => {
      const tasks = (server: ServerProcess) =>
        server.request(`/api/v1/integrations/${INT_A1}/lan-agent/tasks`, { headers: orgA })
      const armed = await admin(a, '/faults', 'POST', {
        operation_id: 'get_integration_lan_agent_tasks', status: 503,
      })
      t.equal(armed.status, 201, 'A arms a fault')
      const armedAt = Date.now()
      await waitFor('B to inject it', async () => (await tasks(b)).status === 503, within)
      t.comment(`B injected it ${Date.now() - armedAt} ms after A armed it`)
      t.ok((await tasks(b)).headers.get('x-fault-injected'), 'B marks the reply as a fault')
      t.equal((await admin(b, '/faults', 'DELETE')).status, 200, 'B clears it')
      await waitFor('A to stop injecting', async () => (await tasks(a)).status === 200, within)
      t.equal((await tasks(a)).status, 200, 'A answers normally again')
    })

  t.test('the clock moved on B is in force on A', { skip: noAdmin }, async (t) => {
    const offset = async (server: ServerProcess) =>
      ((await (await admin(server, '/clock', 'GET')).json()) as { offset_ms: number }).offset_ms
    const before = await offset(a)
    t.equal((await admin(b, '/clock', 'POST', { advance_seconds: 3_600 })).status, 200,
      'B moves the clock an hour forward')
    await waitFor('A to follow', async () => (await offset(a)) >= before + 3_600_000, within)
    t.ok((await offset(a)) >= before + 3_600_000, 'A runs an hour ahead too')
    if (bootstrapKey !== null) {
      const script = await a.request(`/api/v1/lan-agent/cli/bootstrap.sh?key=${bootstrapKey}`, {
        headers: { accept: 'application/json' },
      })
      t.equal(script.status, 401, 'the bootstrap key B served earlier has expired on A')
    }
  })

  t.test('a key rotated on A is used and published by B within the bound', { skip: noAdmin },
    async (t) => {
      const rotated = await admin(a, '/keys/rotate', 'POST', { activate_in_seconds: 0 })
      t.equal(rotated.status, 200, 'A rotates')
      const { rotated_kid: kid } = (await rotated.json()) as { rotated_kid: string }
      t.ok((await kids(a)).includes(kid), 'A publishes the new key at once')
      const url = '/api/v1/lan-agent/cli/token'
      const minted = await a.request(url, { method: 'POST', headers: ALICE })
      const { access_token: token } = (await minted.json()) as { access_token: string }
      t.equal(decodeProtectedHeader(token).kid, kid, 'A signs with it (no lead asked for)')
      const listed = await listTasks(b, { authorization: `Bearer ${token}` })
      t.equal(listed.status, 200, 'B verifies it at once (an unknown kid re-reads the keyring)')
      const rotatedAt = Date.now()
      await waitFor('B to publish it', async () => (await kids(b)).includes(kid), within)
      t.comment(`B published it ${Date.now() - rotatedAt} ms after A rotated`)
      t.same(await kids(b), await kids(a), 'B publishes what A publishes')
      const fromB = await b.request(url, { method: 'POST', headers: ALICE })
      const signed = ((await fromB.json()) as { access_token: string }).access_token
      t.equal(decodeProtectedHeader(signed).kid, kid, 'B signs with the new key')
    })

  t.test('a reset on B is in force on A', { skip: noAdmin }, async (t) => {
    t.equal((await admin(b, '/reset', 'POST')).status, 200, 'B resets')
    t.same((await listTasks(a)).body.task_ids, [], 'A lists no task: the queues are shared')
    const offset = async () =>
      ((await (await admin(a, '/clock', 'GET')).json()) as { offset_ms: number }).offset_ms
    await waitFor('A to return to real time', async () => (await offset()) === 0, within)
    t.equal(await offset(), 0, 'A is back on real time')
  })
})
