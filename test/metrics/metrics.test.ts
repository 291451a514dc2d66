import { Redis } from 'ioredis'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { Clock } from '../../src/clock.js'
import { loadConfig } from '../../src/config/load.js'
import { RedisStore } from '../../src/store/redis/redis-store.js'
import { buildTestApp, forEachStore } from '../fixtures/app.js'
import { parseExposition, sampleValue } from '../fixtures/scale/exposition.js'
import { waitFor } from '../fixtures/scale/processes.js'
import { redisBinariesSkip, startRedisServer } from '../fixtures/scale/redis-servers.js'
import { ALICE, INT_A1, INT_A2, ORG_A, taskSpecUrl, tasksUrl } from '../fixtures/seed.js'
import type { FastifyInstance } from 'fastify'

async function scrape(app: FastifyInstance) {
  const response = await app.inject({ url: '/metrics' })
  return { response, metrics: parseExposition(response.body) }
}

const orgA = { ...ALICE, 'x-org': ORG_A }
const push = (app: FastifyInstance, taskId: string, integration = INT_A1) =>
  app.inject({
    method: 'POST',
    url: taskSpecUrl(integration),
    headers: orgA,
    payload: { task_id: taskId, lan_protocol_version: 2, payload: {} },
  })

t.test('GET /metrics is Prometheus text that parses', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { response, metrics } = await scrape(built.app)
  t.equal(response.statusCode, 200, '200')
  t.match(response.headers['content-type'], /^text\/plain; version=0\.0\.4/, 'the text format')
  for (const [name, type] of [
    ['lan_agent_http_requests_total', 'counter'],
    ['lan_agent_http_request_duration_seconds', 'histogram'],
    ['lan_agent_redis_errors_total', 'counter'],
    ['lan_agent_bootstrap_keys_minted_total', 'counter'],
    ['lan_agent_bootstrap_keys_used_total', 'counter'],
    ['lan_agent_bootstrap_keys_expired_total', 'counter'],
    ['lan_agent_queue_depth', 'gauge'],
  ]) {
    t.equal(metrics.get(name!)?.type, type, `${name} is a ${type}`)
  }
  t.throws(() => parseExposition('lan_agent_x{a="1"} 1\n'), 'the parser refuses an untyped sample')
  t.throws(
    () => parseExposition('# TYPE m counter\nm{a="1} 1\n'),
    'the parser refuses a broken label',
  )
})

t.test('request counters and latency move with requests, by operation and status', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  const before = (await scrape(app)).metrics
  const okLabels = { operation: 'get_lan_agent_meta', method: 'GET', status: '200' }
  t.equal(sampleValue(before, 'lan_agent_http_requests_total', okLabels), 0, 'none yet')

  await app.inject({ url: '/api/v1/lan-agent/meta' })
  await app.inject({ url: '/api/v1/lan-agent/meta' })
  await app.inject({ method: 'POST', url: '/api/v1/lan-agent/cli/token' })
  await app.inject({ url: '/no/such/path' })
  const after = (await scrape(app)).metrics

  t.equal(sampleValue(after, 'lan_agent_http_requests_total', okLabels), 2, 'two metas')
  t.equal(
    sampleValue(after, 'lan_agent_http_requests_total', {
      operation: 'post_lan_agent_cli_token', status: '401',
    }),
    1,
    'a refused token call counts under its status',
  )
  t.equal(
    sampleValue(after, 'lan_agent_http_requests_total', { operation: 'unmatched', status: '404' }),
    1,
    'an unknown path counts as unmatched, not under its own path',
  )
  const count = sampleValue(after, 'lan_agent_http_request_duration_seconds_count', {
    operation: 'get_lan_agent_meta',
  })
  t.equal(count, 2, 'the latency histogram observed both')
  const inf = sampleValue(after, 'lan_agent_http_request_duration_seconds_bucket', {
    operation: 'get_lan_agent_meta', le: '+Inf',
  })
  t.equal(inf, 2, 'the +Inf bucket holds both')
})

t.test('bootstrap counters are there for the bootstrap routes to bump', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  built.app.metrics.bootstrapKeysMinted.inc()
  built.app.metrics.bootstrapKeysUsed.inc(2)
  const { metrics } = await scrape(built.app)
  t.equal(sampleValue(metrics, 'lan_agent_bootstrap_keys_minted_total'), 1, 'minted')
  t.equal(sampleValue(metrics, 'lan_agent_bootstrap_keys_used_total'), 2, 'used')
  t.equal(sampleValue(metrics, 'lan_agent_bootstrap_keys_expired_total'), 0, 'expired')
})

t.test('each app counts in its own registry', async (t) => {
  const one = await buildTestApp(t)
  const two = await buildTestApp(t)
  if (!one || !two) return
  await one.app.inject({ url: '/api/v1/lan-agent/meta' })
  const labels = { operation: 'get_lan_agent_meta', status: '200' }
  t.equal(sampleValue((await scrape(one.app)).metrics, 'lan_agent_http_requests_total', labels), 1,
    'the app that served counts it')
  t.equal(sampleValue((await scrape(two.app)).metrics, 'lan_agent_http_requests_total', labels), 0,
    'the other does not')
})

t.test('queue depth per integration is sampled from the store', (t) =>
  forEachStore(t, async (t, kind) => {
    const built = await buildTestApp(t, { store: kind })
    if (!built) return
    const { app } = built
    t.equal((await push(app, 'q1')).statusCode, 200, 'a task')
    t.equal((await push(app, 'q2')).statusCode, 200, 'another')
    t.equal((await push(app, 'q3', INT_A2)).statusCode, 200, 'one on A2')
    const first = (await scrape(app)).metrics
    const depth = (integration: string, m = first) =>
      sampleValue(m, 'lan_agent_queue_depth', { org: ORG_A, integration })
    t.equal(depth(INT_A1), 2, 'A1 holds two')
    t.equal(depth(INT_A2), 1, 'A2 holds one')
    t.equal(depth('01KDVDNA001FN5D9ZWRW9JC0SS'), 0, 'an empty queue is reported as 0')
  }))

t.test('Redis failures are counted, commands and connection errors apart',
  { skip: redisBinariesSkip() }, async (t) => {
    const redis = await startRedisServer(t)
    const client = new Redis(redis.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 100,
    })
    t.teardown(() => client.disconnect())
    await client.connect()
    const store = new RedisStore({ client, prefix: 'metrics-test:', ownsClient: false })
    const config = loadConfig({ NODE_ENV: 'test', REDIS_URL: redis.url })
    const app = await buildApp({ config, store, clock: new Clock(), logger: false })
    t.teardown(() => app.close())

    const errors = async (source: string) =>
      sampleValue((await scrape(app)).metrics, 'lan_agent_redis_errors_total', { source })
    t.equal(await errors('command'), 0, 'no command failure while Redis runs')
    await redis.stop()
    const reply = await app.inject({ url: tasksUrl(INT_A1), headers: orgA })
    t.equal(reply.statusCode, 503, 'a request needing Redis gets 503')
    t.ok((await errors('command')) >= 1, 'the failed command is counted')
    await waitFor('a connection error event', async () => (await errors('connection')) >= 1)
    t.ok((await errors('connection')) >= 1, 'connection errors reported by the client count')
  })
