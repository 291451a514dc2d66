import { decodeJwt, decodeProtectedHeader } from 'jose'
import t from 'tap'
import { buildTestApp } from '../fixtures/app.js'
import { ALICE, ALICE_SESSION, API, CAROL, ORG_A, ORG_B, apiKey } from '../fixtures/seed.js'

t.test('meta answers all five fields without credentials or storage', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  // A store that fails every call proves meta never touches it.
  built.store.ping = () => Promise.reject(new Error('meta must not touch the store'))
  const reply = await built.app.inject({ url: `${API}/lan-agent/meta` })
  t.equal(reply.statusCode, 200, 'ok')
  const json = reply.json()
  t.same(Object.keys(json).sort(), [
    'lan_protocol_version', 'latest_agent_version', 'min_supported_agent_version',
    'tasks_catalog', 'upgrade_download_url',
  ], 'exactly the five fields')
  t.equal(json.lan_protocol_version, 2, 'protocol from config')
  t.ok(json.tasks_catalog.some((entry: { task: string }) => entry.task === 'serve'), 'catalog')
  t.match(json.upgrade_download_url, /^http:\/\/localhost:4455\/api\/v1\/lan-agent\/dist\//, 'url')
  t.equal((await built.app.inject({ url: `${API}/lan-agent/meta/` })).statusCode, 200,
    'a trailing slash is the same resource')
})

t.test('cli/token: every spelling of "no body" is the same request', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const url = `${API}/lan-agent/cli/token`
  const variants: [string, Record<string, string>, string | undefined][] = [
    ['no body, no content type', {}, undefined],
    ['empty JSON body', { 'content-type': 'application/json', 'content-length': '0' }, ''],
    ['{}', { 'content-type': 'application/json' }, '{}'],
    ['null', { 'content-type': 'application/json' }, 'null'],
    ['mixed-case media type', { 'content-type': 'Application/JSON; Charset=UTF-8' }, '{}'],
  ]
  for (const [what, headers, payload] of variants) {
    const reply = await built.app.inject({ method: 'POST', url, headers: { ...ALICE, ...headers }, payload })
    t.equal(reply.statusCode, 200, `${what}: 200`)
    const json = reply.json()
    t.equal(json.token_type, 'Bearer', `${what}: token type`)
    t.equal(json.expires_in, 3600, `${what}: default lifetime`)
    const claims = decodeJwt(json.access_token)
    t.match(claims, { iss: 'oathkeeper', sub: '01KDVDNA00TTN1C5B5Q54EGGYP', orgs: [ORG_A] },
      `${what}: claims`)
    t.match(decodeProtectedHeader(json.access_token), { alg: 'ES256', kid: String }, `${what}: header`)
  }
  const form = await built.app.inject({
    method: 'POST', url, headers: { ...ALICE, 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'a=1',
  })
  t.equal(form.statusCode, 415, 'a form body is 415')
  t.match(form.json(), { error_code: 'unsupported_media_type', message: /application\/json/ },
    '415 names application/json')
  const array = await built.app.inject({
    method: 'POST', url, headers: { ...ALICE, 'content-type': 'application/json' }, payload: '[1]',
  })
  t.equal(array.statusCode, 400, 'a JSON array is not "no body"')
})

t.test('cli/token: credentials', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const url = `${API}/lan-agent/cli/token`
  const post = (headers: Record<string, string>) => built.app.inject({ method: 'POST', url, headers })
  const carol = await post(CAROL)
  t.same(decodeJwt(carol.json().access_token).orgs, [ORG_A, ORG_B], 'all of the caller orgs')
  t.equal((await post(ALICE_SESSION)).statusCode, 200, 'session cookie')
  t.equal((await post({ authorization: `bearer  ${apiKey('dev-alice-key')}` })).statusCode, 200,
    'lower-case scheme with two spaces')
  t.equal((await post({ authorization: `BEARER ${apiKey('dev-alice-key')}` })).statusCode, 200,
    'upper-case scheme')
  t.equal((await post({ 'x-api-key': 'https://other.example_openapp_dev-alice-key' })).statusCode,
    200, 'the origin part is not checked')
  const refused: [string, Record<string, string>, string][] = [
    ['nothing', {}, 'unauthenticated'],
    ['unknown key', { 'x-api-key': apiKey('nope') }, 'invalid_credentials'],
    ['no _openapp_ mark', { 'x-api-key': 'dev-alice-key' }, 'invalid_credentials'],
    ['basic scheme', { authorization: 'Basic YWxpY2U6eA==' }, 'invalid_credentials'],
    ['unknown session', { cookie: 'ory_kratos_session=nope' }, 'invalid_credentials'],
    ['bad Authorization never falls back to the cookie',
      { authorization: 'Bearer nope', cookie: 'ory_kratos_session=dev-alice-session' },
      'invalid_credentials'],
    ['session value used as an API key', { 'x-api-key': apiKey('dev-alice-session') },
      'invalid_credentials'],
  ]
  for (const [what, headers, code] of refused) {
    const reply = await post(headers)
    t.equal(reply.statusCode, 401, `${what}: 401`)
    t.equal(reply.json().error_code, code, `${what}: ${code}`)
    t.equal(reply.headers['www-authenticate'], 'Bearer', `${what}: WWW-Authenticate`)
  }
  const agent = await built.app.tokens.signAgentToken(
    { sub: 'U', orgs: [ORG_A], integration_id: null, task_id: null }, 60,
  )
  const withAgent = await post({ authorization: `Bearer ${agent.token}` })
  t.equal(withAgent.statusCode, 401, 'an agent token cannot mint tokens')
})

t.test('request ids: a sane X-Correlation-Id is echoed, anything else replaced', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const get = (headers: Record<string, string>) =>
    built.app.inject({ url: `${API}/lan-agent/meta`, headers })
  t.equal((await get({ 'x-correlation-id': 'ci-run:42.a_b-c' })).headers['x-request-id'],
    'ci-run:42.a_b-c', 'echoed')
  for (const bad of ['has space', 'x'.repeat(129), 'new\u2028line', 'slash/y', 'semi;colon']) {
    const id = (await get({ 'x-correlation-id': bad })).headers['x-request-id']
    t.match(id, /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/, `replaced by a ULID: ${encodeURIComponent(bad.slice(0, 12))}`)
  }
  const missing = await built.app.inject({ url: `${API}/nowhere` })
  t.equal(missing.json().correlationId, missing.headers['x-request-id'], '404s carry it too')
})
