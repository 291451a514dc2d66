import { Writable } from 'node:stream'
import { pino } from 'pino'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config/load.js'
import { connectRedis } from '../../src/store/redis/connect.js'
import { RedisStore } from '../../src/store/redis/redis-store.js'
import { rawRequest } from '../fixtures/raw-http.js'
import { RedisServer } from '../fixtures/redis-server.js'
import { newUlid, randomSecret, randomSeed, writeSeedFile } from '../fixtures/tenants.js'

const PREFIX = 'secrets:'

t.test('no secret reaches a log line, at trace, in the whole flow and its faults', async (t) => {
  const redis = await RedisServer.start(t)
  const seed = randomSeed({ integrationsPerOrg: [1], memberships: [[0]] })
  const user = seed.users[0]!
  const [org, integration] = [seed.orgs[0]!.id, seed.integrations[0]!.id]
  const apiKeyHeader = `http://localhost:4455_openapp_${user.api_keys[0]}`
  const session = user.sessions[0]!
  const wrongKey = randomSecret('wrong-key')

  const lines: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      done()
    },
  })
  const client = await connectRedis({
    url: redis.url,
    connectTimeoutMs: 5000,
    commandTimeoutMs: 1000,
    logger: pino({ level: 'silent' }),
  })
  const store = new RedisStore({ client, prefix: PREFIX, ownsClient: true })
  t.teardown(() => store.close())
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'trace',
    LAN_AGENT_SEED: writeSeedFile(t, seed),
  })
  const app = await buildApp({ config, store, logStream: stream })
  t.teardown(() => app.close())

  // No route rotates keys yet; the keyring's own method stands in.
  app.post('/test-only/rotate', async () => {
    await app.keyring.rotate(app.clock.now())
    return { rotated: true }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as { port: number }).port

  const headers = { 'x-api-key': apiKeyHeader, 'x-org': org }
  const call = (
    method: 'GET' | 'POST' | 'HEAD',
    url: string,
    extra: Record<string, string> = {},
    payload?: string | object,
  ) => app.inject({ method, url, headers: extra, ...(payload === undefined ? {} : { payload }) })
  const api = '/api/v1'
  const taskSpec = `${api}/integrations/${integration}/lan-agent/task-spec`
  const tasks = `${api}/integrations/${integration}/lan-agent/tasks`
  const spec = { task_id: 'log-scan', lan_protocol_version: 2, payload: { n: 1 } }

  const minted = await call('POST', `${api}/lan-agent/cli/token`, headers)
  t.equal(minted.statusCode, 200, 'an agent token for the flow')
  const jwt = (minted.json() as { access_token: string }).access_token
  const tamperedJwt = `${jwt.slice(0, -4)}AAAA`
  const asAgent = { authorization: `Bearer ${jwt}`, 'x-org': org }

  await call('POST', `${api}/lan-agent/cli/token`, { authorization: `bearer  ${apiKeyHeader}` })
  await call('POST', `${api}/lan-agent/cli/token`, { cookie: `ory_kratos_session=${session}` })
  t.equal((await call('POST', taskSpec, asAgent, spec)).statusCode, 200, 'task-spec as agent')
  await call('GET', tasks, asAgent)
  await call('GET', tasks, headers)
  await call('GET', tasks, { 'x-api-key': `x_openapp_${wrongKey}`, 'x-org': org })
  await call('GET', tasks, { authorization: `Bearer ${tamperedJwt}`, 'x-org': org })
  await call('GET', `${api}/lan-agent/cli/token`, headers)
  await call('POST', taskSpec, headers, '{"task_id":')

  const mintBody = { task_id: 'serve', api_base_url: 'http://127.0.0.1:4455/api/v1' }
  const mint = () => call('POST', `${api}/lan-agent/cli/bootstrap-token`, headers, mintBody)
  const keyed = await mint()
  t.equal(keyed.statusCode, 200, 'a bootstrap key')
  const key = (keyed.json() as { bootstrap_key: string }).bootstrap_key
  const bootstrapJwt = (await store.getBootstrapKey(key, app.clock.now()))!.token
  const script = await call('GET', `${api}/lan-agent/cli/bootstrap.sh?key=${key}`)
  t.equal(script.statusCode, 200, 'the installer')
  const scriptJwt = /AGENT_TOKEN='([^']+)'/.exec(script.body)?.[1] ?? 'missing'
  await call('HEAD', `${api}/lan-agent/cli/bootstrap.sh?key=${key}`)
  await call('GET', `${api}/lan-agent/cli/bootstrap.sh?key=${newUlid()}`)
  await call('GET', `${api}/no-such-route?key=${key}&token=${jwt}&access_token=${jwt}`)
  await call('GET', `${api}/lan-agent/cli/bootstrap.sh?token=${jwt}&key=${key}`, {
    accept: 'application/json',
  })

  const raw = await rawRequest(
    port,
    `GET ${api}/lan-agent/meta HTTP/1.1\r\nHost: a\r\nX-API-Key: ${apiKeyHeader}\r\n` +
      `Cookie: ory_kratos_session=${session}\r\nX-Filler: ${'x'.repeat(20_000)}\r\n\r\n`,
  )
  t.equal(raw.statusCode, 431, 'an oversized request, credentials inside, is refused')

  const keyring = JSON.parse((await store.getDocument('jwks'))!) as {
    keys: { privateJwk: { d: string } }[]
  }
  const privateKeys = keyring.keys.map((stored) => stored.privateJwk.d)

  // Faults whose ioredis errors carry the command's arguments: the bootstrap key and its JWT.
  const admin = redis.client(t)
  await admin.set(`${PREFIX}{bootstrap}:index`, 'not a sorted set')
  const wrongType = await mint()
  t.equal(wrongType.statusCode, 500, 'a transaction Redis refuses as malformed: 500')
  await admin.del(`${PREFIX}{bootstrap}:index`)
  await admin.del(`${PREFIX}{bootstrap}:key:${key}`)
  await admin.hset(`${PREFIX}{bootstrap}:key:${key}`, 'not', 'a string')
  const unreadable = await call('GET', `${api}/lan-agent/cli/bootstrap.sh?key=${key}`)
  t.equal(unreadable.statusCode, 500, 'a read Redis refuses as malformed: 500')
  await admin.config('SET', 'maxmemory', '1')
  const full = await mint()
  t.equal(full.statusCode, 503, 'Redis out of memory: 503')
  const rotation = await call('POST', '/test-only/rotate', headers)
  t.equal(rotation.statusCode, 503, 'a key rotation that cannot be written: 503')
  await admin.config('SET', 'maxmemory', '0')
  await redis.kill()
  t.equal((await call('POST', taskSpec, asAgent, spec)).statusCode, 503, 'Redis gone: 503')
  const gone = await call('GET', `${api}/lan-agent/cli/bootstrap.sh?key=${key}`)
  t.equal(gone.statusCode, 503, 'the installer with Redis gone: 503')
  await app.close()

  const secrets: Record<string, string> = {
    'API key': user.api_keys[0]!,
    'API key header': apiKeyHeader,
    'wrong API key': wrongKey,
    session,
    'agent JWT': jwt,
    'agent JWT signature': jwt.split('.')[2]!,
    'tampered JWT': tamperedJwt,
    'bootstrap key': key,
    'bootstrap JWT': bootstrapJwt,
    "the installer's agent JWT": scriptJwt,
    ...Object.fromEntries(privateKeys.map((d, i) => [`private signing key ${i}`, d])),
  }
  const leaks: string[] = []
  for (const line of lines) {
    for (const [name, secret] of Object.entries(secrets)) {
      if (line.includes(secret)) leaks.push(`${name}: ${line}`)
    }
  }
  t.same(leaks, [], `no secret in any of ${lines.length} log lines`)

  const parsed = lines.map((line) => JSON.parse(line) as { level: number; msg: string })
  const failures = parsed.filter((line) => line.level === 50 && /failed$/.test(line.msg))
  t.ok(failures.length >= 6, `the six faults were logged at error (${failures.length} lines)`)
  t.ok(lines.some((line) => line.includes('key=[redacted]')), 'bootstrap keys in URLs are redacted')
  t.ok(parsed.some((line) => line.level === 10 || line.level === 20), 'trace/debug lines are in')
})
