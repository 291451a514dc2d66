import t from 'tap'
import { buildTestApp } from '../fixtures/app.js'
import { operations, shown, type OperationCase } from '../fixtures/operations.js'
import { ALICE, ALICE_SESSION, ORG_A, apiKey } from '../fixtures/seed.js'

/**
 * http-edges.md case 6 over every authenticated operation and every way of spelling a
 * credential: the scheme name in any case followed by any run of spaces or tabs, the key in
 * either header, and every refusal a 401 with WWW-Authenticate: Bearer, never a fallback.
 */
const KEY = apiKey('dev-alice-key')

const authenticated = () => operations().filter((op) => op.auth !== 'none')

/** The operation's request with its credential replaced by `credential`. */
const withCredential = (op: OperationCase, credential: Record<string, string>) => {
  const headers: Record<string, string> = { ...op.headers, ...credential }
  if (!('x-api-key' in credential)) delete headers['x-api-key']
  return {
    method: op.method, url: op.url, headers,
    ...(op.body ? { payload: op.body } : {}),
  }
}

t.test('case 6: the Bearer scheme in any case, with any spaces, on every operation', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const spellings = [
    `bearer  ${KEY}`,
    `Bearer ${KEY}`,
    `BEARER ${KEY}`,
    `bEaReR ${KEY}`,
    `Bearer     ${KEY}`,
    `Bearer\t${KEY}`,
    `Bearer \t ${KEY}`,
    `Bearer ${KEY}  `,
    `  Bearer ${KEY}`,
  ]
  for (const op of authenticated()) {
    for (const authorization of spellings) {
      const reply = await built.app.inject(withCredential(op, { authorization }))
      t.equal(reply.statusCode, 200, `${op.name}, Authorization ${shown(authorization)}: 200`)
    }
    const xApiKey = await built.app.inject(withCredential(op, { 'x-api-key': ` ${KEY} ` }))
    t.equal(xApiKey.statusCode, 200, `${op.name}: X-API-Key with surrounding spaces`)
    const origin = await built.app.inject(withCredential(op, {
      'x-api-key': 'https://staging.example.test_openapp_dev-alice-key',
    }))
    t.equal(origin.statusCode, 200, `${op.name}: the origin part of a key is not checked`)
    const session = await built.app.inject(withCredential(op, ALICE_SESSION))
    t.equal(session.statusCode, 200, `${op.name}: session cookie`)
  }
})

t.test('case 6: agent JWTs take the same spellings where agents are allowed', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { token } = await built.app.tokens.signAgentToken(
    { sub: '01KDVDNA00TTN1C5B5Q54EGGYP', orgs: [ORG_A], integration_id: null, task_id: null }, 600,
  )
  for (const op of authenticated()) {
    for (const authorization of [`bearer  ${token}`, `BEARER\t${token}`]) {
      const reply = await built.app.inject(withCredential(op, { authorization }))
      const expected = op.auth === 'user-or-agent' ? 200 : 401
      t.equal(reply.statusCode, expected, `${op.name}, agent JWT ${authorization.slice(0, 8)}: ` +
        `${expected}`)
    }
  }
})

t.test('every refused credential is 401 with WWW-Authenticate: Bearer, on every operation',
  async (t) => {
    const built = await buildTestApp(t)
    if (!built) return
    const refused: [string, Record<string, string>, string][] = [
      ['nothing', {}, 'unauthenticated'],
      ['Basic scheme', { authorization: 'Basic YWxpY2U6eA==' }, 'invalid_credentials'],
      ['Token scheme', { authorization: `Token ${KEY}` }, 'invalid_credentials'],
      ['a scheme glued to the key', { authorization: `Bearer${KEY}` }, 'invalid_credentials'],
      ['Bearer without a value', { authorization: 'Bearer' }, 'invalid_credentials'],
      ['Bearer and spaces only', { authorization: 'Bearer   ' }, 'invalid_credentials'],
      ['two values', { authorization: `Bearer ${KEY} ${KEY}` }, 'invalid_credentials'],
      ['an empty Authorization', { authorization: '' }, 'invalid_credentials'],
      ['an unknown key', { authorization: `Bearer ${apiKey('nope')}` }, 'invalid_credentials'],
      ['a key with no _openapp_', { 'x-api-key': 'dev-alice-key' }, 'invalid_credentials'],
      ['an empty secret', { 'x-api-key': 'http://localhost:4455_openapp_' }, 'invalid_credentials'],
      ['an empty X-API-Key', { 'x-api-key': '' }, 'invalid_credentials'],
      ['a forged JWT', { authorization: 'Bearer aaa.bbb.ccc' }, 'invalid_credentials'],
      ['an unknown session', { cookie: 'ory_kratos_session=nope' }, 'invalid_credentials'],
      ['a bad Authorization beside a good cookie',
        { authorization: 'Bearer nope', ...ALICE_SESSION }, 'invalid_credentials'],
      ['a bad X-API-Key beside a good cookie',
        { 'x-api-key': apiKey('nope'), ...ALICE_SESSION }, 'invalid_credentials'],
      ['a bad Authorization beside a good X-API-Key',
        { authorization: 'Bearer nope', ...ALICE }, 'invalid_credentials'],
    ]
    for (const op of authenticated()) {
      for (const [what, credential, code] of refused) {
        const reply = await built.app.inject(withCredential(op, credential))
        t.equal(reply.statusCode, 401, `${op.name}, ${what}: 401`)
        t.equal(reply.json().error_code, code, `${op.name}, ${what}: ${code}`)
        // RFC 6750 section 3: the challenge may name the error, as it does for a bad token.
        t.match(reply.headers['www-authenticate'], /^Bearer\b/, `${op.name}, ${what}: challenge`)
      }
    }
  })

t.test('a repeated X-API-Key is refused, never split into two keys', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  for (const op of authenticated()) {
    const request = withCredential(op, {})
    const reply = await built.app.inject({
      ...request, headers: { ...request.headers, 'x-api-key': [KEY, KEY] as unknown as string },
    })
    t.equal(reply.statusCode, 401, `${op.name}: 401`)
    t.equal(reply.json().error_code, 'invalid_credentials', `${op.name}: invalid_credentials`)
  }
})

t.test('credentials are checked before the body is read: 401 whatever was sent', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  for (const op of authenticated().filter((o) => o.json)) {
    for (const [type, payload] of [['text/plain', 'x'], ['application/json', '{"a":'],
      ['application/json', `"${'x'.repeat(3_000_000)}"`]]) {
      const reply = await built.app.inject({
        method: op.method, url: op.url, headers: { 'content-type': type! }, payload,
      })
      t.equal(reply.statusCode, 401, `${op.name}, ${type} ${payload!.length} bytes: 401 first`)
    }
  }
})
