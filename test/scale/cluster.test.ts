import t from 'tap'
import { randomPrefix } from '../fixtures/redis.js'
import { parseExposition, sampleValue } from '../fixtures/scale/exposition.js'
import { waitFor } from '../fixtures/scale/processes.js'
import { redisBinariesSkip, startRedisCluster } from '../fixtures/scale/redis-servers.js'
import { startServerProcess, type ServerProcess } from '../fixtures/scale/server-process.js'
import { ALICE, INT_A1, ORG_A } from '../fixtures/seed.js'

/** Short, so the test sees a rotation propagate quickly; the default is 5 s. */
const REFRESH_MS = 1_000
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

/** Paths of the served OpenAPI document, so steps for routes not built yet stay dormant. */
async function servedPaths(server: ServerProcess): Promise<Set<string>> {
  const response = await server.request('/api/v1/openapi.json')
  const document = (await response.json()) as { paths: Record<string, unknown> }
  return new Set(Object.keys(document.paths))
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
    JWKS_REFRESH_MS: String(REFRESH_MS),
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
  const paths = await servedPaths(a)

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

  const bootstrap = paths.has('/lan-agent/cli/bootstrap-token')
  t.test(
    'a bootstrap key minted on A fetches the installer from B',
    { skip: bootstrap ? false : 'the bootstrap routes are not in this build' },
    async (t) => {
      const minted = await a.request('/api/v1/lan-agent/cli/bootstrap-token', {
        method: 'POST',
        headers: { ...orgA, ...json },
        body: JSON.stringify({ task_id: 'serve', api_base_url: `${PUBLIC_BASE_URL}/api/v1` }),
      })
      t.equal(minted.status, 200, 'A mints a bootstrap key')
      const { bootstrap_key: key } = (await minted.json()) as { bootstrap_key: string }
      const script = await b.request(`/api/v1/lan-agent/cli/bootstrap.sh?key=${key}`)
      t.equal(script.status, 200, 'B serves the installer for a key A minted')
      t.match(script.headers.get('content-type'), /^text\/x-shellscript/, 'as a shell script')
      t.match(await script.text(), /^#!/, 'starting with a shebang')
    },
  )

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

  // Key rotation, clock offsets and resets are admin operations (issue 5); these steps run
  // once the admin routes are in the build and are reported as skipped until then.
  const admin = [...paths].some((path) => /admin/.test(path))
  const noAdmin = admin ? false : 'the admin routes are not in this build'

  t.test('a key rotated on A is published by B within the refresh bound', { skip: noAdmin },
    async (t) => {
      const before = await kids(b)
      const rotated = await a.request('/admin/keys/rotate', { method: 'POST', headers: ALICE })
      t.equal(rotated.status, 200, 'A rotates')
      const onA = await kids(a)
      t.ok(onA.length > before.length, 'A publishes the new key at once')
      // One refresh period plus slack for a loaded machine; the bound itself is REFRESH_MS.
      await waitFor('B to publish the rotated key', async () =>
        JSON.stringify(await kids(b)) === JSON.stringify(onA), { timeoutMs: REFRESH_MS * 10 })
      t.same(await kids(b), onA, 'B publishes the same keys within the bound')
    })

  t.test('a reset on B empties the queues A reads', { skip: noAdmin }, async (t) => {
    const reset = await b.request('/admin/reset', { method: 'POST', headers: ALICE })
    t.equal(reset.status, 200, 'B resets')
    t.same((await listTasks(a)).body.task_ids, [], 'A lists no task after the reset')
  })
})
