/**
 * What an SDK's contract suite looks like against this server: each case starts from a reset,
 * makes its own tenant with fixtures, produces one documented status of one upstream operation
 * (naturally where the contract allows, through a fault or `Prefer` where it does not, moving
 * the clock instead of sleeping for expiries), and checks the journal recorded the exchange.
 * The last test checks every documented status of every upstream operation was produced.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import { admin } from '../fixtures/admin.js'
import { buildTestApp, forEachStore } from '../fixtures/app.js'
import { API, apiKey } from '../fixtures/seed.js'

/** The upstream contract's operations and the statuses it documents for each. */
const UPSTREAM: Record<string, number[]> = {
  get_lan_agent_meta: [200],
  post_lan_agent_cli_token: [200, 401, 500],
  post_lan_agent_cli_bootstrap_token: [200, 400, 401, 500, 503],
  get_lan_agent_cli_bootstrap_sh: [200, 400, 401, 503],
  post_integration_lan_agent_task_spec: [200, 400, 401, 426],
  get_integration_lan_agent_tasks: [200, 401],
}

const ORG = '01KDVDNA00SVXTESVXTESVXTES'
const INTEGRATION = '01KDVDNA00SVXTESVXTESVXTE1'
const KEY_SECRET = 'sdk-suite-user-key'
const USER = { 'x-api-key': apiKey(KEY_SECRET) }
const SCOPED = { ...USER, 'x-org': ORG }
const TASK_SPEC = `${API}/integrations/${INTEGRATION}/lan-agent/task-spec`
const TASKS = `${API}/integrations/${INTEGRATION}/lan-agent/tasks`
const BASE_URL = 'http://localhost:4455/api/v1'

interface Case {
  operation: string
  status: number
  how: 'natural' | 'fault' | 'prefer' | 'clock'
  run: (app: FastifyInstance) => Promise<LightMyRequestResponse>
  /** Extra checks on the reply, beyond status, envelope and journal. */
  check?: (t: Test, reply: LightMyRequestResponse) => void
}

const call = (app: FastifyInstance, options: InjectOptions) => app.inject(options)
const mintBootstrapKey = async (app: FastifyInstance) => {
  const reply = await call(app, {
    method: 'POST',
    url: `${API}/lan-agent/cli/bootstrap-token`,
    headers: USER,
    payload: { task_id: 'serve', api_base_url: BASE_URL, integration_id: INTEGRATION },
  })
  return reply.json().bootstrap_key as string
}
const armOnce = (app: FastifyInstance, operation: string, status: number) =>
  admin(app, { method: 'POST', url: '/faults', payload: { operation_id: operation, status, count: 1 } })

const CASES: Case[] = [
  {
    operation: 'get_lan_agent_meta',
    status: 200,
    how: 'natural',
    run: (app) => call(app, { url: `${API}/lan-agent/meta` }),
    check: (t, reply) =>
      t.match(reply.json(), {
        lan_protocol_version: 2,
        tasks_catalog: Array,
        latest_agent_version: String,
        min_supported_agent_version: String,
        upgrade_download_url: String,
      }, 'all five fields'),
  },
  {
    operation: 'post_lan_agent_cli_token',
    status: 200,
    how: 'natural',
    run: (app) => call(app, { method: 'POST', url: `${API}/lan-agent/cli/token`, headers: USER }),
    check: (t, reply) =>
      t.match(reply.json(), { access_token: String, token_type: 'Bearer', expires_in: 3600 }, 'a token'),
  },
  {
    operation: 'post_lan_agent_cli_token',
    status: 401,
    how: 'natural',
    run: (app) => call(app, { method: 'POST', url: `${API}/lan-agent/cli/token` }),
  },
  {
    operation: 'post_lan_agent_cli_token',
    status: 500,
    how: 'fault',
    run: async (app) => {
      await armOnce(app, 'post_lan_agent_cli_token', 500)
      return call(app, { method: 'POST', url: `${API}/lan-agent/cli/token`, headers: USER })
    },
  },
  {
    operation: 'post_lan_agent_cli_bootstrap_token',
    status: 200,
    how: 'natural',
    run: (app) =>
      call(app, {
        method: 'POST',
        url: `${API}/lan-agent/cli/bootstrap-token`,
        headers: USER,
        payload: { task_id: 'serve', api_base_url: BASE_URL },
      }),
    check: (t, reply) =>
      t.match(reply.json(), { bootstrap_key: /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/, expires_in: 600 },
        'a bootstrap key'),
  },
  {
    operation: 'post_lan_agent_cli_bootstrap_token',
    status: 400,
    how: 'natural',
    run: (app) =>
      call(app, {
        method: 'POST',
        url: `${API}/lan-agent/cli/bootstrap-token`,
        headers: USER,
        payload: { task_id: 'has spaces', api_base_url: BASE_URL },
      }),
  },
  {
    operation: 'post_lan_agent_cli_bootstrap_token',
    status: 401,
    how: 'natural',
    run: (app) =>
      call(app, {
        method: 'POST',
        url: `${API}/lan-agent/cli/bootstrap-token`,
        headers: { 'x-api-key': apiKey('nobody-has-this-key') },
        payload: { task_id: 'serve', api_base_url: BASE_URL },
      }),
  },
  {
    operation: 'post_lan_agent_cli_bootstrap_token',
    status: 500,
    how: 'fault',
    run: async (app) => {
      await armOnce(app, 'post_lan_agent_cli_bootstrap_token', 500)
      return call(app, {
        method: 'POST',
        url: `${API}/lan-agent/cli/bootstrap-token`,
        headers: USER,
        payload: { task_id: 'serve', api_base_url: BASE_URL },
      })
    },
  },
  {
    operation: 'post_lan_agent_cli_bootstrap_token',
    status: 503,
    how: 'prefer',
    run: (app) =>
      call(app, {
        method: 'POST',
        url: `${API}/lan-agent/cli/bootstrap-token`,
        headers: { ...USER, prefer: 'code=503' },
        payload: { task_id: 'serve', api_base_url: BASE_URL },
      }),
    check: (t, reply) => t.ok(reply.headers['retry-after'], 'Retry-After'),
  },
  {
    operation: 'get_lan_agent_cli_bootstrap_sh',
    status: 200,
    how: 'natural',
    run: async (app) =>
      call(app, { url: `${API}/lan-agent/cli/bootstrap.sh?key=${await mintBootstrapKey(app)}` }),
    check: (t, reply) => {
      t.match(reply.headers['content-type'], /^text\/x-shellscript/, 'a shell script')
      t.ok(reply.body.startsWith('#!'), 'starting with #!')
    },
  },
  {
    operation: 'get_lan_agent_cli_bootstrap_sh',
    status: 400,
    how: 'natural',
    run: (app) =>
      call(app, {
        url: `${API}/lan-agent/cli/bootstrap.sh?key=not-a-ulid`,
        headers: { accept: 'application/json' },
      }),
  },
  {
    operation: 'get_lan_agent_cli_bootstrap_sh',
    status: 401,
    how: 'clock',
    run: async (app) => {
      const key = await mintBootstrapKey(app)
      await admin(app, { method: 'POST', url: '/clock', payload: { advance_seconds: 601 } })
      return call(app, {
        url: `${API}/lan-agent/cli/bootstrap.sh?key=${key}`,
        headers: { accept: 'application/json' },
      })
    },
  },
  {
    operation: 'get_lan_agent_cli_bootstrap_sh',
    status: 503,
    how: 'fault',
    run: async (app) => {
      const key = await mintBootstrapKey(app)
      await armOnce(app, 'get_lan_agent_cli_bootstrap_sh', 503)
      return call(app, {
        url: `${API}/lan-agent/cli/bootstrap.sh?key=${key}`,
        headers: { accept: 'application/json' },
      })
    },
    check: (t, reply) => t.ok(reply.headers['retry-after'], 'Retry-After'),
  },
  {
    operation: 'post_integration_lan_agent_task_spec',
    status: 200,
    how: 'natural',
    run: (app) =>
      call(app, {
        method: 'POST',
        url: TASK_SPEC,
        headers: SCOPED,
        payload: { task_id: 'job-1', lan_protocol_version: 2, payload: { n: 1 } },
      }),
    check: (t, reply) =>
      t.match(reply.json(), { task_id: 'job-1', spec: { integration_id: INTEGRATION } }, 'the spec'),
  },
  {
    operation: 'post_integration_lan_agent_task_spec',
    status: 400,
    how: 'natural',
    run: (app) =>
      call(app, {
        method: 'POST',
        url: TASK_SPEC,
        headers: SCOPED,
        payload: { task_id: 'job-1', lan_protocol_version: 2, payload: null, extra: true },
      }),
  },
  {
    operation: 'post_integration_lan_agent_task_spec',
    status: 401,
    how: 'natural',
    run: (app) =>
      call(app, {
        method: 'POST',
        url: TASK_SPEC,
        headers: { 'x-org': ORG },
        payload: { task_id: 'job-1', lan_protocol_version: 2, payload: null },
      }),
  },
  {
    operation: 'post_integration_lan_agent_task_spec',
    status: 426,
    how: 'natural',
    run: (app) =>
      call(app, {
        method: 'POST',
        url: TASK_SPEC,
        headers: SCOPED,
        payload: { task_id: 'job-1', lan_protocol_version: 1, payload: null },
      }),
    check: (t, reply) => {
      t.equal(reply.headers.upgrade, 'lan-protocol/2', 'Upgrade')
      t.match(reply.json(), { min_lan_protocol_version: 2, lan_protocol_version: 2 }, 'versions')
    },
  },
  {
    operation: 'get_integration_lan_agent_tasks',
    status: 200,
    how: 'natural',
    run: async (app) => {
      await call(app, {
        method: 'POST',
        url: TASK_SPEC,
        headers: SCOPED,
        payload: { task_id: 'job-1', lan_protocol_version: 2, payload: null },
      })
      return call(app, { url: TASKS, headers: SCOPED })
    },
    check: (t, reply) => t.same(reply.json(), { task_ids: ['job-1'] }, 'the queued task'),
  },
  {
    operation: 'get_integration_lan_agent_tasks',
    status: 401,
    how: 'clock',
    run: async (app) => {
      const minted = await call(app, { method: 'POST', url: `${API}/lan-agent/cli/token`, headers: USER })
      const agent = { authorization: `Bearer ${minted.json().access_token}`, 'x-org': ORG }
      const fresh = await call(app, { url: TASKS, headers: agent })
      if (fresh.statusCode !== 200) throw new Error(`a fresh agent token got ${fresh.statusCode}`)
      await admin(app, { method: 'POST', url: '/clock', payload: { advance_seconds: 3600 + 61 } })
      return call(app, { url: TASKS, headers: agent })
    },
  },
]

/** A clean server and a tenant of the suite's own, as an SDK suite's setup would make. */
async function freshTenant(t: Test, app: FastifyInstance) {
  t.equal((await admin(app, { method: 'POST', url: '/reset' })).statusCode, 200, 'reset')
  const created = await admin(app, {
    method: 'POST',
    url: '/fixtures',
    payload: {
      orgs: [{ id: ORG, name: 'SDK suite' }],
      users: [{ orgs: [ORG], api_keys: [KEY_SECRET] }],
      integrations: [{ id: INTEGRATION, org_id: ORG }],
    },
  })
  t.equal(created.statusCode, 201, 'tenant created')
}

t.test('every documented status of every upstream operation, on demand', (t) =>
  forEachStore(t, async (t, store) => {
    const built = await buildTestApp(t, { store })
    if (!built) return
    const { app } = built
    const produced = new Map<string, Set<number>>()
    const missingRoutes = new Set<string>()
    const served = JSON.parse((await call(app, { url: `${API}/openapi.json` })).body) as {
      paths: Record<string, Record<string, { operationId?: string; responses?: object }>>
    }
    const documented = new Map<string, string[]>()
    for (const item of Object.values(served.paths)) {
      for (const operation of Object.values(item)) {
        if (operation.operationId) {
          documented.set(operation.operationId, Object.keys(operation.responses ?? {}))
        }
      }
    }

    for (const c of CASES) {
      await t.test(`${c.operation} ${c.status} (${c.how})`, async (t) => {
        if (!app.admin?.operations.get(c.operation)) {
          missingRoutes.add(c.operation)
          t.skip(`${c.operation} has no route in this build`, () => {})
          return
        }
        await freshTenant(t, app)
        const reply = await c.run(app)
        t.equal(reply.statusCode, c.status, `answered ${c.status}`)
        const requestId = reply.headers['x-request-id'] as string
        if (c.status >= 400) {
          t.match(reply.json(), { message: String, error_code: String, correlationId: requestId },
            'the error envelope')
        }
        if (c.status === 401) t.ok(reply.headers['www-authenticate'], 'WWW-Authenticate')
        if (c.how === 'fault' || c.how === 'prefer') {
          t.ok(reply.headers['x-fault-injected'], 'marked as injected')
        } else {
          t.notOk(reply.headers['x-fault-injected'], 'a real reply, nothing injected')
        }
        c.check?.(t, reply)
        const journal = await admin(app, { url: `/requests?request_id=${requestId}` })
        t.match(journal.json().entries, [{ operation_id: c.operation, status: c.status }],
          'the journal recorded it')
        const statuses = produced.get(c.operation) ?? new Set()
        statuses.add(reply.statusCode)
        produced.set(c.operation, statuses)
      })
    }

    await t.test('coverage of the upstream contract', async (t) => {
      for (const [operation, statuses] of Object.entries(UPSTREAM)) {
        if (missingRoutes.has(operation)) {
          t.skip(`${operation} ${statuses.join('/')}: needs its route`, () => {})
          continue
        }
        t.same([...(produced.get(operation) ?? [])].sort(), statuses,
          `${operation}: produced ${statuses.join(', ')}`)
        const ours = documented.get(operation) ?? []
        t.ok(statuses.every((s) => ours.includes(String(s))),
          `${operation}: our document documents every upstream status`)
      }
    })
  }),
)
