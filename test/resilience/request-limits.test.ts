import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { buildTestApp } from '../fixtures/app.js'
import { listen, rawRequest, type RawReply } from '../fixtures/raw-http.js'
import { ALICE, INT_A1, ORG_A, taskSpecUrl } from '../fixtures/seed.js'

async function listening(t: Test, env: Record<string, string> = {}) {
  const built = await buildTestApp(t, { env })
  if (!built) throw new Error('no app')
  return { app: built.app, port: await listen(built.app) }
}

function assertEnvelope(t: Test, reply: RawReply, status: number, code: string) {
  t.equal(reply.statusCode, status, `${code}: status ${status}`)
  const body = JSON.parse(reply.body) as Record<string, unknown>
  t.match(body, { error_code: code, message: String }, `${code}: the error envelope`)
  t.equal(body.correlationId, reply.headers['x-request-id'], `${code}: with its request id`)
}

t.test('Node-level refusals are written in the envelope', async (t) => {
  const { port } = await listening(t)
  const huge = 'x'.repeat(20 * 1024)
  const oversized = await rawRequest(
    port,
    `GET /api/v1/lan-agent/meta HTTP/1.1\r\nHost: a\r\nX-Filler: ${huge}\r\n\r\n`,
  )
  assertEnvelope(t, oversized, 431, 'request_headers_too_large')
  const garbage = await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n')
  assertEnvelope(t, garbage, 400, 'malformed_request')
})

t.test('a request that does not arrive whole in time gets 408', async (t) => {
  const { port } = await listening(t, { REQUEST_TIMEOUT_MS: '1000' })
  const started = Date.now()
  const stalled = await rawRequest(port, 'GET /api/v1/lan-agent/meta HTTP/1.1\r\nHost: a\r\n')
  assertEnvelope(t, stalled, 408, 'request_timeout')
  t.comment(`refused after ${Date.now() - started} ms`)
})

t.test('query string and path parameter limits', async (t) => {
  const built = await buildTestApp(t, { env: { MAX_QUERY_BYTES: '256' } })
  if (!built) return
  const { app } = built
  const within = await app.inject({ url: `/api/v1/lan-agent/meta?pad=${'a'.repeat(250)}` })
  t.equal(within.statusCode, 200, 'a query within the limit is fine')
  const over = await app.inject({ url: `/api/v1/lan-agent/meta?pad=${'a'.repeat(260)}` })
  t.equal(over.statusCode, 414, 'a longer query: 414')
  t.match(over.json(), { error_code: 'uri_too_long', limit_bytes: 256 }, 'in the envelope')

  const headers = { ...ALICE, 'x-org': ORG_A }
  const longParam = await app.inject({
    url: `/api/v1/integrations/${'A'.repeat(300)}/lan-agent/tasks`,
    headers,
  })
  t.equal(longParam.statusCode, 414, 'a path parameter over 256 characters: 414')
  t.match(longParam.json(), { error_code: 'uri_too_long' }, 'in the envelope')
  const badUrl = await app.inject({ url: '/api/v1/integrations/%E0%A4%A/lan-agent/tasks', headers })
  t.equal(badUrl.statusCode, 400, 'a parameter that does not decode: 400')
  t.match(badUrl.json(), { error_code: 'invalid_url' }, 'in the envelope')
})

t.test('body limits per route', async (t) => {
  const built = await buildTestApp(t, { env: { TASK_PAYLOAD_MAX_BYTES: '2048' } })
  if (!built) return
  const { app } = built
  app.post('/test-only/default-limit', async () => ({ ok: true }))
  const tooLarge = async (app: FastifyInstance, url: string, bytes: number, extra = {}) => {
    const reply = await app.inject({
      method: 'POST',
      url,
      headers: { ...ALICE, 'x-org': ORG_A, 'content-type': 'application/json', ...extra },
      payload: JSON.stringify({ pad: 'x'.repeat(bytes) }),
    })
    return { status: reply.statusCode, body: reply.json() as Record<string, unknown> }
  }

  const token = await tooLarge(app, '/api/v1/lan-agent/cli/token', 1100)
  t.match(token, { status: 413, body: { error_code: 'payload_too_large', limit_bytes: 1024 } },
    'cli/token takes at most 1 KiB')
  const fallback = await tooLarge(app, '/test-only/default-limit', 65 * 1024)
  t.match(fallback, { status: 413, body: { limit_bytes: 65_536 } }, 'any other route: 64 KiB')

  const spec = (payload: unknown) =>
    app.inject({
      method: 'POST',
      url: taskSpecUrl(INT_A1),
      headers: { ...ALICE, 'x-org': ORG_A },
      payload: { task_id: 'big', lan_protocol_version: 2, payload },
    })
  const body = await spec('x'.repeat(2048 * 6 + 4096))
  t.match(body.json(), { error_code: 'payload_too_large', limit_bytes: 2048 * 6 + 4096 },
    'task-spec: the raw body may hold the payload limit in \\u escapes plus 4 KiB of envelope')
  const escaped = await app.inject({
    method: 'POST', url: taskSpecUrl(INT_A1), headers: { ...ALICE, 'x-org': ORG_A, 'content-type': 'application/json' },
    payload: `{"task_id":"esc","lan_protocol_version":2,"payload":"${'\\u0041'.repeat(2000)}"}`,
  })
  t.equal(escaped.statusCode, 200, 'a payload within the limit written in escapes is stored')
  const payload = await spec('x'.repeat(2100))
  t.match(payload.json(), { error_code: 'payload_too_large', limit_bytes: 2048 },
    'task-spec: the payload itself is held to TASK_PAYLOAD_MAX_BYTES exactly')
  t.equal((await spec('x'.repeat(2000))).statusCode, 200, 'a payload within the limit is stored')
})
