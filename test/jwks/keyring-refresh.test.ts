import { decodeProtectedHeader } from 'jose'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { Clock } from '../../src/clock.js'
import { loadConfig } from '../../src/config/load.js'
import { Keyring } from '../../src/jwks/keyring.js'
import { MemoryStore } from '../../src/store/memory/memory-store.js'
import { RedisStore } from '../../src/store/redis/redis-store.js'
import { requireRedis, testRedisStore } from '../fixtures/redis.js'
import { waitFor } from '../fixtures/scale/processes.js'
import { ALICE, INT_A1, ORG_A, tasksUrl } from '../fixtures/seed.js'
import type { FastifyInstance } from 'fastify'

const silent = {
  info() {}, warn() {}, error() {}, debug() {}, trace() {}, fatal() {}, child() { return silent },
  level: 'silent', silent() {},
} as unknown as ConstructorParameters<typeof Keyring>[0]['logger']

let kidCounter = 0
function keyring(store: MemoryStore) {
  return new Keyring({
    store,
    logger: silent,
    now: () => Date.now(),
    retainRetiredMs: 3_600_000,
    rotationLeadMs: 0,
    newKid: () => `kid-${++kidCounter}`,
  })
}

const published = (ring: Keyring) => ring.publicJwks(Date.now()).map((key) => key.kid).sort()

t.test('a refreshing keyring adopts a rotation made by another one', async (t) => {
  const store = new MemoryStore({ now: () => Date.now() })
  t.teardown(() => store.close())
  const a = keyring(store)
  const b = keyring(store)
  await a.load()
  await b.load()
  t.same(published(b), published(a), 'both start from the one stored keyring')
  b.startRefresh(50)
  t.teardown(() => b.stopRefresh())

  const fresh = await a.rotate(Date.now())
  await waitFor('B to publish the new key', async () => published(b).includes(fresh.kid), {
    timeoutMs: 10_000,
  })
  t.same(published(b), published(a), 'B publishes what A publishes')
  t.equal(b.signingKey(Date.now())?.meta.kid, fresh.kid, 'B signs with the new key')
})

async function token(app: FastifyInstance): Promise<string> {
  const url = '/api/v1/lan-agent/cli/token'
  const reply = await app.inject({ method: 'POST', url, headers: ALICE })
  return reply.json().access_token as string
}

t.test('two apps on one Redis agree on keys within JWKS_REFRESH_MS', async (t) => {
  if (!(await requireRedis(t))) return
  const { client, prefix } = testRedisStore(t)
  const config = loadConfig({ NODE_ENV: 'test', JWKS_REFRESH_MS: '200' })
  const app = async () => {
    const store = new RedisStore({ client, prefix, ownsClient: false })
    const built = await buildApp({ config, store, clock: new Clock(), logger: false })
    t.teardown(() => built.close())
    return built
  }
  const a = await app()
  const b = await app()
  const jwks = async (x: FastifyInstance) => {
    const reply = await x.inject({ url: '/.well-known/jwks.json' })
    return (reply.json().keys as { kid: string }[]).map((key) => key.kid)
  }

  // No lead: the new key signs at once on A, the harshest case for the other instance.
  const fresh = await a.keyring.rotate(a.clock.now(), 0)
  const signed = await token(a)
  t.equal(decodeProtectedHeader(signed).kid, fresh.kid, 'A signs with the key it rotated in')
  const listed = await b.inject({
    url: tasksUrl(INT_A1),
    headers: { authorization: `Bearer ${signed}`, 'x-org': ORG_A },
  })
  t.equal(listed.statusCode, 200, 'B verifies it at once: an unknown kid re-reads the keyring')

  await waitFor('B to publish the rotated key', async () => (await jwks(b)).includes(fresh.kid), {
    timeoutMs: 10_000,
  })
  t.same((await jwks(b)).sort(), (await jwks(a)).sort(), 'B publishes what A publishes')
  t.equal(decodeProtectedHeader(await token(b)).kid, fresh.kid, 'and B signs with the new key')
})

t.test('with a rotation lead, every instance publishes the key before any signs with it',
  async (t) => {
    if (!(await requireRedis(t))) return
    const { client, prefix } = testRedisStore(t)
    const config = loadConfig({ NODE_ENV: 'test', JWKS_REFRESH_MS: '200' })
    const apps: FastifyInstance[] = []
    for (const _ of [1, 2]) {
      const store = new RedisStore({ client, prefix, ownsClient: false })
      const built = await buildApp({ config, store, clock: new Clock(), logger: false })
      t.teardown(() => built.close())
      apps.push(built)
    }
    const [a, b] = apps as [FastifyInstance, FastifyInstance]
    const before = decodeProtectedHeader(await token(b)).kid
    const fresh = await a.keyring.rotate(a.clock.now(), 3_600_000)
    await waitFor('B to publish the pending key', async () => {
      const reply = await b.inject({ url: '/.well-known/jwks.json' })
      return (reply.json().keys as { kid: string }[]).some((key) => key.kid === fresh.kid)
    }, { timeoutMs: 10_000 })
    t.equal(decodeProtectedHeader(await token(a)).kid, before, 'A still signs with the old key')
    t.equal(decodeProtectedHeader(await token(b)).kid, before, 'and so does B, which publishes both')
  })
