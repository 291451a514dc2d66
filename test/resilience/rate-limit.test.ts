import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config/load.js'
import { connectRedis } from '../../src/store/redis/connect.js'
import { RedisStore } from '../../src/store/redis/redis-store.js'
import { buildTestApp } from '../fixtures/app.js'
import { requireRedis, testRedisStore } from '../fixtures/redis.js'
import { RedisServer } from '../fixtures/redis-server.js'
import { ALICE, BOB, CAROL } from '../fixtures/seed.js'

const LIMITS = { RATE_LIMIT_MINT_PER_ADDRESS: '3', RATE_LIMIT_MINT_PER_USER: '2' }

/** A route that opts into the mint policy the way bootstrap-token does. */
function addMintRoute(app: FastifyInstance) {
  app.post(
    '/test-only/mint',
    { onRequest: app.requireUser, config: { rateLimitPolicy: 'mint' } },
    async () => ({ minted: true }),
  )
}

const mint = (app: FastifyInstance, headers: Record<string, string>, remoteAddress: string) =>
  app.inject({ method: 'POST', url: '/test-only/mint', headers, remoteAddress })

function assertLimited(t: Test, reply: Awaited<ReturnType<typeof mint>>, what: string) {
  t.equal(reply.statusCode, 429, `${what}: 429`)
  t.match(
    reply.json(),
    { error_code: 'rate_limited', message: String, correlationId: reply.headers['x-request-id'] },
    `${what}: in the error envelope`,
  )
  const retryAfter = Number(reply.headers['retry-after'])
  t.ok(retryAfter >= 1 && retryAfter <= 60, `${what}: Retry-After in the window (${retryAfter})`)
}

t.test('mint policy: per user across addresses, per address across users', async (t) => {
  const built = await buildTestApp(t, { env: LIMITS })
  if (!built) return
  const { app } = built
  addMintRoute(app)

  t.equal((await mint(app, ALICE, '10.0.0.1')).statusCode, 200, 'alice, first')
  t.equal((await mint(app, ALICE, '10.0.0.2')).statusCode, 200, 'alice, second, elsewhere')
  assertLimited(t, await mint(app, ALICE, '10.0.0.3'), 'alice a third time from a fresh address')

  t.equal((await mint(app, BOB, '10.0.0.9')).statusCode, 200, 'bob is counted apart')
  t.equal((await mint(app, CAROL, '10.0.0.9')).statusCode, 200, 'carol, same address as bob')
  const anonymous = await mint(app, {}, '10.0.0.9')
  t.equal(anonymous.statusCode, 401, 'an unauthenticated call is refused, and still counted')
  assertLimited(t, await mint(app, CAROL, '10.0.0.9'), 'the fourth call from one address')
  t.equal((await mint(app, CAROL, '10.0.0.10')).statusCode, 200, 'carol elsewhere is fine')
})

t.test('a GET route and its HEAD twin count each request once', async (t) => {
  const built = await buildTestApp(t, { env: { RATE_LIMIT_SCRIPT_PER_ADDRESS: '2' } })
  if (!built) return
  const { app } = built
  app.get('/test-only/script', { config: { rateLimitPolicy: 'script' } }, async () => 'ok')
  const head = () => app.inject({ method: 'HEAD', url: '/test-only/script' })
  t.equal((await head()).statusCode, 200, 'first HEAD')
  t.equal((await head()).statusCode, 200, 'second HEAD: not counted twice')
  t.equal((await app.inject({ url: '/test-only/script' })).statusCode, 429, 'third request')
})

t.test('cli/token carries the token policy; 0 switches a limit off', async (t) => {
  const limited = await buildTestApp(t, { env: { RATE_LIMIT_TOKEN_PER_USER: '2' } })
  const unlimited = await buildTestApp(t, { env: { RATE_LIMIT_TOKEN_PER_USER: '0' } })
  if (!limited || !unlimited) return
  const token = (app: FastifyInstance, headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/api/v1/lan-agent/cli/token', headers })
  await token(limited.app, ALICE)
  await token(limited.app, ALICE)
  assertLimited(t, await token(limited.app, ALICE), 'alice minting a third agent token')
  t.equal((await token(limited.app, BOB)).statusCode, 200, 'bob is not affected')
  const statuses = []
  for (let i = 0; i < 5; i += 1) statuses.push((await token(unlimited.app, ALICE)).statusCode)
  t.same(statuses, [200, 200, 200, 200, 200], 'no limit when set to 0')
})

t.test("a route with @fastify/rate-limit's own config answers in the envelope", async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  const config = { rateLimit: { max: 1, timeWindow: 60_000 } }
  app.get('/test-only/plain', { config }, async () => 'ok')
  await app.inject({ url: '/test-only/plain' })
  assertLimited(t, await app.inject({ url: '/test-only/plain' }), 'the plugin refusing by itself')
})

t.test('with Redis, instances sharing it share the counters', async (t) => {
  if (!(await requireRedis(t))) return
  const { store, client, prefix } = testRedisStore(t)
  const config = loadConfig({ NODE_ENV: 'test', ...LIMITS })
  const apps: FastifyInstance[] = []
  for (let i = 0; i < 2; i += 1) {
    const app = await buildApp({ config, store, logger: false })
    t.teardown(() => app.close())
    addMintRoute(app)
    apps.push(app)
  }
  t.equal((await mint(apps[0]!, ALICE, '10.1.0.1')).statusCode, 200, 'alice on instance 1')
  t.equal((await mint(apps[1]!, ALICE, '10.1.0.2')).statusCode, 200, 'alice on instance 2')
  assertLimited(t, await mint(apps[0]!, ALICE, '10.1.0.3'), 'alice a third time, on either')
  const keys = await client.keys(`${prefix}rate:*`)
  t.ok(keys.length > 0, `the counters live in Redis under the store prefix (${keys[0]})`)
  const ttls = await Promise.all(keys.map((key) => client.pttl(key)))
  t.ok(ttls.every((ttl) => ttl > 0 && ttl <= 60_000), 'and expire with their window')
})

t.test('Redis down: storage routes fail closed with 503, cli/token stays up', async (t) => {
  const redis = await RedisServer.start(t)
  const client = await connectRedis({
    url: redis.url,
    connectTimeoutMs: 5000,
    commandTimeoutMs: 1000,
    logger: pino({ level: 'silent' }),
  })
  const store = new RedisStore({ client, prefix: 'rl-down:', ownsClient: true })
  t.teardown(() => store.close())
  const config = loadConfig({ NODE_ENV: 'test', ...LIMITS })
  const app = await buildApp({ config, store, logger: false })
  t.teardown(() => app.close())
  addMintRoute(app)
  t.equal((await mint(app, ALICE, '10.2.0.1')).statusCode, 200, 'counting while Redis is up')

  await redis.kill()
  const refused = await mint(app, ALICE, '10.2.0.1')
  t.equal(refused.statusCode, 503, 'a limited route that needs storage: 503')
  t.match(refused.json(), { error_code: 'storage_unavailable' }, 'in the envelope')
  t.ok(refused.headers['retry-after'], 'with Retry-After')
  const token = await app.inject({
    method: 'POST',
    url: '/api/v1/lan-agent/cli/token',
    headers: ALICE,
  })
  t.equal(token.statusCode, 200, 'cli/token needs no storage and is not stopped by its counter')
})
