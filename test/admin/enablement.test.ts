import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { admin, ADMIN_TOKEN } from '../fixtures/admin.js'
import { buildTestApp } from '../fixtures/app.js'
import { ALICE, INT_A1, ORG_A, tasksUrl } from '../fixtures/seed.js'

/** Every admin operation: method and path (relative to /__admin), from the OpenAPI document. */
async function adminOperations(): Promise<{ method: string; path: string }[]> {
  const { generateOpenapiDocument } = await import('../../scripts/openapi-document.js')
  const document = JSON.parse(await generateOpenapiDocument()) as {
    paths: Record<string, Record<string, unknown>>
  }
  return Object.entries(document.paths)
    .filter(([path]) => path.startsWith('/__admin/'))
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => ['get', 'post', 'delete'].includes(method))
        .map((method) => ({ method: method.toUpperCase(), path: path.slice('/__admin'.length) })),
    )
}

t.test('on by default outside production, with no token needed', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const reply = await admin(built.app, { url: '/clock' })
  t.equal(reply.statusCode, 200, 'the admin surface answers')
  t.equal(reply.json().offset_ms, 0, 'a clock with no offset')
})

t.test('off in production without ADMIN_TOKEN: routes absent, Prefer ignored', async (t) => {
  const built = await buildTestApp(t, { env: { NODE_ENV: 'production' } })
  if (!built) return
  const { app } = built
  t.equal(app.admin, null, 'no admin services')
  for (const { method, path } of await adminOperations()) {
    const reply = await admin(app, { method: method as 'GET', url: path })
    t.equal(reply.statusCode, 404, `${method} ${path} does not exist`)
    t.equal(reply.json().error_code, 'route_not_found', `${method} ${path}: the usual 404`)
  }
  const forced = await app.inject({
    url: tasksUrl(INT_A1),
    headers: { ...ALICE, 'x-org': ORG_A, prefer: 'code=503' },
  })
  t.equal(forced.statusCode, 200, 'Prefer: code=503 has no effect')
  t.equal(forced.headers['x-fault-injected'], undefined, 'nothing was injected')
})

t.test('ADMIN_ENABLED=false turns it off outside production too', async (t) => {
  const built = await buildTestApp(t, { env: { ADMIN_ENABLED: 'false', ADMIN_TOKEN } })
  if (!built) return
  const reply = await admin(built.app, { url: '/clock', token: ADMIN_TOKEN })
  t.equal(reply.statusCode, 404, 'no admin routes')
})

t.test('ADMIN_ENABLED=true in production without a token is a configuration error', async (t) => {
  t.throws(
    () => loadConfig({ NODE_ENV: 'production', ADMIN_ENABLED: 'true' }),
    /ADMIN_ENABLED: in production the admin surface needs ADMIN_TOKEN/,
    'refused at start',
  )
  t.throws(() => loadConfig({ ADMIN_TOKEN: 'short' }), /ADMIN_TOKEN/, 'a short token is refused')
})

for (const env of [
  { NODE_ENV: 'production', ADMIN_TOKEN },
  { NODE_ENV: 'test', ADMIN_TOKEN },
]) {
  t.test(`with ADMIN_TOKEN (${env.NODE_ENV}) every admin call needs it`, async (t) => {
    const built = await buildTestApp(t, { env })
    if (!built) return
    const { app } = built
    for (const { method, path } of await adminOperations()) {
      const missing = await admin(app, { method: method as 'GET', url: path })
      t.equal(missing.statusCode, 401, `${method} ${path} without a token: 401`)
      t.match(
        missing.json(),
        { error_code: 'unauthenticated', correlationId: missing.headers['x-request-id'] },
        `${method} ${path}: the envelope`,
      )
      t.match(missing.headers['www-authenticate'], /^Bearer/, `${method} ${path}: a challenge`)
      const wrong = await admin(app, { method: method as 'GET', url: path, token: 'x'.repeat(32) })
      t.equal(wrong.statusCode, 401, `${method} ${path} with a wrong token: 401`)
      t.equal(wrong.json().error_code, 'invalid_credentials', `${method} ${path}: wrong token`)
    }
    const prefix = await admin(app, { url: '/clock', token: ADMIN_TOKEN.slice(0, -1) })
    t.equal(prefix.statusCode, 401, 'a prefix of the token is refused')
    const userKey = await admin(app, { url: '/clock', headers: ALICE })
    t.equal(userKey.statusCode, 401, 'an API key is not an admin token')
    const right = await admin(app, {
      url: '/clock',
      headers: { authorization: `bearer   ${ADMIN_TOKEN}` },
    })
    t.equal(right.statusCode, 200, 'the token is accepted, scheme in any case, several spaces')
    const asUser = await app.inject({
      url: tasksUrl(INT_A1),
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-org': ORG_A },
    })
    t.equal(asUser.statusCode, 401, 'the admin token is not a credential of the API')
  })
}
