import type { InjectOptions } from 'fastify'
import t from 'tap'
import { Redactor, REDACTED } from '../../src/admin/redact.js'
import { admin, ADMIN_TOKEN } from '../fixtures/admin.js'
import { buildTestApp } from '../fixtures/app.js'
import {
  ALICE, API, apiKey, CAROL, INT_A1, ORG_A, taskSpecUrl, tasksUrl,
} from '../fixtures/seed.js'

/** Anything that looks like a JWT: three base64url segments starting like a JSON header. */
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.?/

t.test('the journal never holds a secret, whatever carried it', async (t) => {
  const built = await buildTestApp(t, { env: { ADMIN_TOKEN } })
  if (!built) return
  const { app } = built
  const call = (options: InjectOptions) => app.inject(options)

  const fixture = await admin(app, {
    method: 'POST',
    url: '/fixtures',
    token: ADMIN_TOKEN,
    payload: { users: [{ orgs: [ORG_A] }] },
  })
  const user = fixture.json().users[0]
  const minted = await call({ method: 'POST', url: `${API}/lan-agent/cli/token`, headers: ALICE })
  t.equal(minted.statusCode, 200, 'an agent token minted (its reply holds the token)')
  const jwt = minted.json().access_token as string
  const bootstrapKey = '01KDVDNA00BOOTSTRAPKEY0000'
  const secrets = [
    'dev-alice-key',
    'dev-carol-key',
    'dev-alice-session',
    'dev-bob-session',
    user.api_keys[0],
    user.sessions[0],
    jwt,
    jwt.split('.')[2] as string,
    bootstrapKey,
    ADMIN_TOKEN,
    'payload-secret-value',
  ]

  await call({ url: tasksUrl(INT_A1), headers: { ...ALICE, 'x-org': ORG_A } })
  await call({
    url: tasksUrl(INT_A1),
    headers: { authorization: `Bearer ${apiKey('dev-carol-key')}`, 'x-org': ORG_A },
  })
  await call({
    url: tasksUrl(INT_A1),
    headers: { cookie: 'theme=dark; ory_kratos_session=dev-alice-session', 'x-org': ORG_A },
  })
  await call({ url: tasksUrl(INT_A1), headers: { authorization: `bearer ${jwt}`, 'x-org': ORG_A } })
  await call({
    url: tasksUrl(INT_A1),
    headers: { 'x-api-key': apiKey(user.api_keys[0]), 'x-org': ORG_A },
  })
  await call({ url: tasksUrl(INT_A1), headers: { cookie: `ory_kratos_session=${user.sessions[0]}` } })
  await call({
    method: 'POST',
    url: taskSpecUrl(INT_A1),
    headers: { ...CAROL, 'x-org': ORG_A },
    payload: {
      task_id: 'leaky',
      lan_protocol_version: 2,
      payload: {
        token: 'payload-secret-value',
        note: `copy of a key: ${apiKey('dev-alice-key')} and a jwt ${jwt}`,
        nested: [{ session: 'dev-bob-session' }],
        bare_jwt: jwt,
      },
    },
  })
  await call({ url: `${API}/lan-agent/cli/bootstrap.sh?key=${bootstrapKey}` })
  await call({ url: `${API}/lan-agent/cli/bootstrap.sh?KEY=${bootstrapKey}&x=1` })
  await call({ url: `${API}/lan-agent/meta`, headers: { 'x-correlation-id': ADMIN_TOKEN } })
  await call({ url: `${API}/lan-agent/meta`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  await call({ url: `${API}/lan-agent/meta`, headers: { 'x-admin-token': ADMIN_TOKEN } })

  const reply = await admin(app, { url: '/requests', token: ADMIN_TOKEN })
  t.equal(reply.statusCode, 200, 'journal read')
  const journal = reply.body
  t.equal(reply.json().entries.length, 13, 'every request was journaled')
  for (const secret of secrets) {
    t.notOk(journal.includes(secret), `the journal does not contain ${secret.slice(0, 12)}…`)
  }
  t.notMatch(journal, JWT_LIKE, 'nothing JWT-shaped')
  t.notMatch(journal, /_openapp_(?!\[redacted\])/, 'no API key outside the redaction mark')
  t.match(journal, /"authorization":"bearer \[redacted\]"/, 'the scheme is kept, the value not')
  t.match(journal, /key=\[redacted\]/, 'the bootstrap key query parameter is blanked')
})

t.test('Redactor: by name, by shape, by value', async (t) => {
  const redactor = new Redactor(['known-secret-1', 'tiny'])
  t.same(
    redactor.headers({
      Authorization: 'Basic dXNlcjpwYXNz',
      'X-API-Key': 'a_openapp_b',
      cookie: 'a=b',
      'set-cookie': ['s=1', 's=2'],
      'x-trace': 'holds known-secret-1 inside',
      'x-count': 3,
    }),
    {
      authorization: `Basic ${REDACTED}`,
      'x-api-key': REDACTED,
      cookie: REDACTED,
      'set-cookie': [REDACTED, REDACTED],
      'x-trace': `holds ${REDACTED} inside`,
      'x-count': '3',
    },
    'credential headers blanked, known values scrubbed, names lower-cased',
  )
  t.equal(
    redactor.url('/x?key=K1234567&access_token=abc&page=2&Token=zz'),
    `/x?key=${REDACTED}&access_token=${REDACTED}&page=${REDACTED}&Token=${REDACTED}`,
    'every query value blanked: a secret name can be encoded (?%6Bey=) or decorated (?key[]=)',
  )
  t.equal(redactor.text('value K1234567 again'), `value ${REDACTED} again`,
    'a value learned from a query parameter is scrubbed later')
  t.same(
    redactor.json({
      bootstrap_key: '01KDVDNA00LEARNEDKEY000000',
      list: ['a', { api_keys: ['k-one-two-three'] }],
      count: 2,
      flag: null,
    }),
    { bootstrap_key: REDACTED, list: ['a', { api_keys: [REDACTED] }], count: 2, flag: null },
    'secret-named fields blanked at any depth',
  )
  t.equal(redactor.text('script uses 01KDVDNA00LEARNEDKEY000000'), `script uses ${REDACTED}`,
    'a learned bootstrap key is scrubbed from later text')
  t.equal(redactor.text('a tiny word'), 'a tiny word', 'very short known values are not hunted')
  t.equal(redactor.json('a.b.c'), 'a.b.c', 'a short dotted value is not a token')
  t.equal(redactor.mightHoldSecret('{"door":"front","n":[1,2]}'), false, 'a plain body is kept as is')
  for (const [what, text] of [
    ['a secret-named field', '{"x":{"Token" : 1}}'],
    ['a dotted value', '{"a":"x.y.z"}'],
    ['an escape that could spell a name', '{"\\u0074oken":"v"}'],
    ['a known value', '{"note":"has known-secret-1"}'],
    ['a learned value', '{"note":"01KDVDNA00LEARNEDKEY000000"}'],
    ['a JWT start', '{"a":"eyJhbGciOi"}'],
    ['an API key', '{"a":"x_openapp_y"}'],
  ]) {
    t.equal(redactor.mightHoldSecret(text as string), true, `${what} takes the careful path`)
  }
  t.equal(redactor.json(`${'A'.repeat(20)}.${'b'.repeat(20)}.${'c'.repeat(20)}`), REDACTED,
    'a long three-segment value is treated as a token')
})
