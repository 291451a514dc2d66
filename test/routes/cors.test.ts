import t from 'tap'
import { buildTestApp } from '../fixtures/app.js'
import { API } from '../fixtures/seed.js'

const preflight = {
  method: 'OPTIONS' as const,
  url: `${API}/lan-agent/cli/token`,
  headers: {
    origin: 'http://sdk.test',
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'x-api-key,x-org',
  },
}

t.test('browsers may call the API locally, and read the contract headers', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const reply = await built.app.inject(preflight)
  t.equal(reply.statusCode, 204, 'preflight answered')
  t.equal(reply.headers['access-control-allow-origin'], 'http://sdk.test', 'origin allowed')
  t.match(reply.headers['access-control-allow-headers'], /X-API-Key.*X-Org/, 'credential headers allowed')
  const meta = await built.app.inject({ url: `${API}/lan-agent/meta`, headers: { origin: 'http://sdk.test' } })
  t.match(meta.headers['access-control-expose-headers'], /X-Request-Id/, 'request id readable')
  t.equal((await built.app.inject({ url: `${API}/no/such` })).statusCode, 404,
    'the preflight catch-all does not turn unknown paths into 405')
})

t.test('production: no cross-origin access unless configured', async (t) => {
  const closed = await buildTestApp(t, { env: { NODE_ENV: 'production' } })
  if (!closed) return
  const reply = await closed.app.inject(preflight)
  t.notOk(reply.headers['access-control-allow-origin'], 'no CORS headers')
  const listed = await buildTestApp(t, {
    env: { NODE_ENV: 'production', CORS_ORIGINS: 'https://a.test, https://b.test' },
  })
  if (!listed) return
  const allowed = await listed.app.inject({ ...preflight, headers: { ...preflight.headers, origin: 'https://b.test' } })
  t.equal(allowed.headers['access-control-allow-origin'], 'https://b.test', 'a listed origin is allowed')
  const other = await listed.app.inject(preflight)
  t.notOk(other.headers['access-control-allow-origin'], 'an unlisted origin is not')
})
