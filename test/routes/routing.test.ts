import t from 'tap'
import { buildTestApp } from '../fixtures/app.js'
import { ALICE, API, INT_A1, ORG_A } from '../fixtures/seed.js'

t.test('a known path under another method is 405 with Allow, in the envelope', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const cases: [string, string, string][] = [
    ['GET', `${API}/lan-agent/cli/token`, 'POST'],
    ['PUT', `${API}/lan-agent/meta`, 'GET, HEAD'],
    ['DELETE', `${API}/integrations/${INT_A1}/lan-agent/tasks`, 'GET, HEAD'],
    ['GET', `${API}/integrations/${INT_A1}/lan-agent/task-spec`, 'POST'],
  ]
  for (const [method, url, allow] of cases) {
    const reply = await built.app.inject({ method: method as 'GET', url, headers: ALICE })
    t.equal(reply.statusCode, 405, `${method} ${url}: 405`)
    t.equal(reply.headers.allow, allow, `${method} ${url}: Allow`)
    t.equal(reply.json().error_code, 'method_not_allowed', `${method} ${url}: envelope`)
  }
  const unknown = await built.app.inject({ url: `${API}/no/such/route` })
  t.equal(unknown.statusCode, 404, 'unknown route')
  t.match(unknown.json(), { error_code: 'route_not_found', correlationId: String }, 'envelope')
})

t.test('HEAD of tasks answers like GET without a body', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const reply = await built.app.inject({
    method: 'HEAD', url: `${API}/integrations/${INT_A1}/lan-agent/tasks`,
    headers: { ...ALICE, 'x-org': ORG_A },
  })
  t.equal(reply.statusCode, 200, 'ok')
  t.equal(reply.body, '', 'no body')
})
