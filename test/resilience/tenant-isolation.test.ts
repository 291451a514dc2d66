import fc from 'fast-check'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config/load.js'
import { MemoryStore } from '../../src/store/memory/memory-store.js'
import type { Store } from '../../src/store/types.js'
import { requireRedis, testRedisStore } from '../fixtures/redis.js'
import { randomSeed, writeSeedFile, type TenantShape } from '../fixtures/tenants.js'

type Via = 'api_key' | 'session' | 'agent'

interface Call {
  op: 'put' | 'list'
  user: number
  /** Index of the org named in X-Org. */
  org: number
  /** Index into the flat list of every integration of every org. */
  integration: number
  via: Via
}

const shapes: fc.Arbitrary<TenantShape> = fc
  .array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 4 })
  .chain((integrationsPerOrg) =>
    fc.record({
      integrationsPerOrg: fc.constant(integrationsPerOrg),
      memberships: fc.array(
        fc.uniqueArray(fc.integer({ min: 0, max: integrationsPerOrg.length - 1 }), {
          maxLength: integrationsPerOrg.length,
        }),
        { minLength: 1, maxLength: 4 },
      ),
    }),
  )

const scenarios = shapes.chain((shape) => {
  const integrations = shape.integrationsPerOrg.reduce((sum, n) => sum + n, 0)
  const call: fc.Arbitrary<Call> = fc.record({
    op: fc.constantFrom('put', 'list'),
    user: fc.integer({ min: 0, max: shape.memberships.length - 1 }),
    org: fc.integer({ min: 0, max: shape.integrationsPerOrg.length - 1 }),
    integration: fc.integer({ min: 0, max: integrations - 1 }),
    via: fc.constantFrom<Via>('api_key', 'session', 'agent'),
  })
  return fc.record({
    shape: fc.constant(shape),
    calls: fc.array(call, { minLength: 5, maxLength: 25 }),
  })
})

/**
 * Runs one scenario against a fresh app and returns what went wrong, if anything: a reply
 * holding another org's task id, a status other than the contract's, or a list that differs
 * from what was stored.
 */
async function runScenario(
  t: Test,
  store: Store,
  shape: TenantShape,
  calls: Call[],
): Promise<string[]> {
  const seed = randomSeed(shape)
  const config = loadConfig({ NODE_ENV: 'test', LAN_AGENT_SEED: writeSeedFile(t, seed) })
  const app = await buildApp({ config, store, logger: false })
  const problems: string[] = []
  try {
    const credentials = await Promise.all(
      seed.users.map(async (user) => {
        const apiKey = { 'x-api-key': `x_openapp_${user.api_keys[0]}` }
        const minted = await app.inject({
          method: 'POST',
          url: '/api/v1/lan-agent/cli/token',
          headers: apiKey,
        })
        const jwt = (minted.json() as { access_token: string }).access_token
        return {
          api_key: apiKey,
          session: { cookie: `ory_kratos_session=${user.sessions[0]}` },
          agent: { authorization: `Bearer ${jwt}` },
        } satisfies Record<Via, Record<string, string>>
      }),
    )
    const queues = new Map<string, string[]>()
    const owner = new Map<string, string>()
    let next = 0
    for (const call of calls) {
      const user = seed.users[call.user]!
      const org = seed.orgs[call.org]!.id
      const integration = seed.integrations[call.integration]!
      const url = `/api/v1/integrations/${integration.id}/lan-agent/`
      const headers = { ...credentials[call.user]![call.via], 'x-org': org }
      const taskId = `task-${(next += 1)}-${org.slice(-6)}`
      const reply =
        call.op === 'put'
          ? await app.inject({
              method: 'POST',
              url: `${url}task-spec`,
              headers,
              payload: { task_id: taskId, lan_protocol_version: 2, payload: { org } },
            })
          : await app.inject({ url: `${url}tasks`, headers })

      const expected = !user.orgs.includes(org) ? 403 : integration.org_id !== org ? 404 : 200
      const what = `${call.op} as user ${call.user} via ${call.via} in org ${call.org}`
      if (reply.statusCode !== expected) {
        problems.push(`${what}: ${reply.statusCode}, expected ${expected}: ${reply.body}`)
      }
      for (const [id, idOwner] of owner) {
        if (idOwner !== org && reply.body.includes(id)) {
          problems.push(`${what}: the reply holds ${id} of another org: ${reply.body}`)
        }
      }
      if (reply.statusCode !== 200) continue
      const queue = queues.get(integration.id) ?? []
      if (call.op === 'put') {
        queue.push(taskId)
        queues.set(integration.id, queue)
        owner.set(taskId, org)
      } else {
        const listed = (reply.json() as { task_ids: string[] }).task_ids
        if (JSON.stringify(listed) !== JSON.stringify(queue)) {
          problems.push(`${what}: listed ${listed}, stored ${queue}`)
        }
      }
    }
  } finally {
    await app.close()
  }
  return problems
}

async function property(t: Test, store: Store, numRuns: number) {
  await fc.assert(
    fc.asyncProperty(scenarios, async ({ shape, calls }) => {
      const problems = await runScenario(t, store, shape, calls)
      if (problems.length > 0) throw new Error(problems.join('\n'))
    }),
    { numRuns },
  )
}

t.test('tenant isolation, memory store: no reply holds another org’s task ids', async (t) => {
  const store = new MemoryStore({ now: () => Date.now() })
  t.teardown(() => store.close())
  await t.resolves(property(t, store, 30), 'held for 30 random tenancies and call sequences')
})

t.test('tenant isolation, Redis store: no reply holds another org’s task ids', async (t) => {
  if (!(await requireRedis(t))) return
  const { store } = testRedisStore(t)
  await t.resolves(property(t, store, 15), 'held for 15 random tenancies and call sequences')
})
