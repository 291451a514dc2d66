import { decodeJwt, decodeProtectedHeader } from 'jose'
import t from 'tap'
import { buildTestApp, forEachStore } from '../fixtures/app.js'
import { ALICE, API, BOB, CAROL, INT_A1, INT_B1, ORG_A, ORG_B } from '../fixtures/seed.js'

const URL_ = `${API}/lan-agent/cli/bootstrap-token`
const body = (overrides: Record<string, unknown> = {}) => ({
  task_id: 'serve',
  api_base_url: 'http://localhost:4455/api/v1',
  ...overrides,
})

t.test('mints a key that is stored with its TTL and a signed bootstrap JWT', (t) =>
  forEachStore(t, async (t, kind) => {
    const built = await buildTestApp(t, { store: kind })
    if (!built) return
    const { app, store, clock } = built
    const reply = await app.inject({
      method: 'POST', url: URL_, headers: ALICE,
      payload: body({ integration_id: INT_A1, device_id: 'door-1', unknown_field: 'ignored' }),
    })
    t.equal(reply.statusCode, 200, 'minted')
    const { bootstrap_key: key, expires_in: expiresIn } = reply.json()
    t.match(key, /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/, 'the key is a ULID')
    t.equal(expiresIn, 600, 'default TTL')
    const record = await store.getBootstrapKey(key, clock.now())
    t.ok(record, 'stored')
    t.equal(record?.expiresAt, record!.createdAt + 600_000, 'expires after the TTL')
    t.match(decodeProtectedHeader(record!.token), { alg: 'ES256', kid: String, typ: 'lan-agent-bootstrap+jwt' },
      'a typed ES256 JWT with kid')
    t.match(decodeJwt(record!.token), {
      iss: 'oathkeeper', aud: 'openapp-lan-agent:bootstrap', sub: '01KDVDNA00TTN1C5B5Q54EGGYP',
      orgs: [ORG_A], task_id: 'serve', integration_id: INT_A1, device_id: 'door-1',
      api_base_url: 'http://localhost:4455/api/v1', iat: Number, exp: Number, jti: String,
    }, 'claims as the contract lists them')
    clock.advance(600_000)
    t.equal(await store.getBootstrapKey(key, clock.now()), null, 'gone once the clock passes the TTL')
  }),
)

t.test('X-Org narrows; an integration must be visible to the caller', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const mint = (headers: Record<string, string>, extra: Record<string, unknown> = {}) =>
    built.app.inject({ method: 'POST', url: URL_, headers, payload: body(extra) })
  const orgsOf = async (reply: Awaited<ReturnType<typeof mint>>) => {
    const record = await built.store.getBootstrapKey(reply.json().bootstrap_key, built.clock.now())
    return record?.orgIds
  }
  t.same(await orgsOf(await mint(CAROL)), [ORG_A, ORG_B], 'no X-Org: every org of the caller')
  t.same(await orgsOf(await mint({ ...CAROL, 'x-org': ORG_B })), [ORG_B], 'X-Org narrows')
  t.same(await orgsOf(await mint(CAROL, { integration_id: INT_B1 })), [ORG_B],
    'an integration narrows to its org')
  const cases: [string, Record<string, string>, Record<string, unknown>, number, string][] = [
    ['X-Org of another org', { ...ALICE, 'x-org': ORG_B }, {}, 403, 'forbidden_org'],
    ['malformed X-Org', { ...ALICE, 'x-org': 'nope' }, {}, 400, 'invalid_org_header'],
    ['integration of another org', ALICE, { integration_id: INT_B1 }, 404, 'integration_not_found'],
    ['integration outside X-Org', { ...CAROL, 'x-org': ORG_B }, { integration_id: INT_A1 }, 404,
      'integration_not_found'],
    ['integration not a ULID', ALICE, { integration_id: 'x' }, 400, 'invalid_integration_id'],
    ['bob and A1', BOB, { integration_id: INT_A1 }, 404, 'integration_not_found'],
  ]
  for (const [what, headers, extra, status, code] of cases) {
    const reply = await mint(headers, extra)
    t.equal(reply.statusCode, status, `${what}: ${status}`)
    t.equal(reply.json().error_code, code, `${what}: ${code}`)
  }
  t.same(await built.store.listBootstrapKeys(built.clock.now()).then((keys) => keys.length), 3,
    'refused requests stored nothing')
})

t.test('values that would reach the installer are checked at mint time', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const refused: [string, Record<string, unknown>][] = [
    ['task_id with a quote', { task_id: "a'b" }],
    ['task_id with $( )', { task_id: '$(touch x)' }],
    ['task_id with a newline', { task_id: 'a\nb' }],
    ['empty task_id', { task_id: '' }],
    ['device_id with a newline', { device_id: 'door\nrm -rf /' }],
    ['device_id with a CR', { device_id: 'door\r' }],
    ['device_id with U+2028', { device_id: 'door\u2028' }],
    ['empty device_id', { device_id: '' }],
    ['relative api_base_url', { api_base_url: '/api/v1' }],
    ['ftp api_base_url', { api_base_url: 'ftp://host/api/v1' }],
    ['api_base_url with credentials', { api_base_url: 'http://u:p@host/api/v1' }],
    ['api_base_url with a query', { api_base_url: 'http://host/api/v1?x=1' }],
    ['api_base_url with a fragment', { api_base_url: 'http://host/api/v1#x' }],
    ['api_base_url with a newline', { api_base_url: 'http://host/api\n/v1' }],
    ['api_base_url with a space', { api_base_url: 'http://host/api v1' }],
    ['api_base_url not a string', { api_base_url: 42 }],
    ['missing api_base_url', { api_base_url: undefined }],
    ['a one-shot task without an integration', { task_id: 'waveshare.provision' }],
  ]
  for (const [what, extra] of refused) {
    const reply = await built.app.inject({ method: 'POST', url: URL_, headers: ALICE, payload: body(extra) })
    t.equal(reply.statusCode, 400, `${what}: 400`)
    t.equal(reply.json().error_code, 'invalid_request', `${what}: invalid_request`)
  }
  const hostile = await built.app.inject({
    method: 'POST', url: URL_, headers: ALICE,
    payload: body({
      device_id: "it's $(touch /tmp/p) `id`", task_id: 'a.b:c-d_e', integration_id: INT_A1,
    }),
  })
  t.equal(hostile.statusCode, 200, 'quotes, $( ) and backticks in device_id are allowed: quoting makes them inert')
  t.equal(await built.store.listBootstrapKeys(built.clock.now()).then((keys) => keys.length), 1,
    'only the accepted request stored a key')
})

t.test('credentials: user only', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const agent = await built.app.tokens.signAgentToken(
    { sub: 'U', orgs: [ORG_A], integration_id: null, task_id: null }, 60,
  )
  const cases: [string, Record<string, string>][] = [
    ['no credentials', {}],
    ['agent JWT', { authorization: `Bearer ${agent.token}` }],
  ]
  for (const [what, headers] of cases) {
    const reply = await built.app.inject({ method: 'POST', url: URL_, headers, payload: body() })
    t.equal(reply.statusCode, 401, `${what}: 401`)
    t.equal(reply.headers['www-authenticate'], 'Bearer', `${what}: challenge`)
  }
})

t.test('storage down: 503 with Retry-After, nothing half-done', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { StoreUnavailableError } = await import('../../src/store/types.js')
  built.store.putBootstrapKey = () => Promise.reject(new StoreUnavailableError('down'))
  const reply = await built.app.inject({ method: 'POST', url: URL_, headers: ALICE, payload: body() })
  t.equal(reply.statusCode, 503, '503')
  t.equal(reply.headers['retry-after'], '1', 'Retry-After')
  t.match(reply.json(), { error_code: 'storage_unavailable', message: String }, 'envelope')
  t.notMatch(reply.body, /down|Error|at /, 'no internal text')
})
