import { SignJWT, UnsecuredJWT, base64url, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { Clock } from '../../src/clock.js'
import { loadConfig } from '../../src/config/load.js'
import { buildTestApp } from '../fixtures/app.js'
import { requireRedis, testRedisStore } from '../fixtures/redis.js'
import { ALICE, API, INT_A1, ORG_A, tasksUrl } from '../fixtures/seed.js'

const tokenOf = async (app: Awaited<ReturnType<typeof buildApp>>) =>
  (await app.inject({ method: 'POST', url: `${API}/lan-agent/cli/token`, headers: ALICE })).json()
    .access_token as string

t.test('tokens verify against the published JWKS with a standard verifier', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  const jwks = await (await fetch(`${origin}/.well-known/jwks.json`)).json() as { keys: Record<string, string>[] }
  for (const key of jwks.keys) {
    t.match(key, { kty: 'EC', kid: String, alg: 'ES256', use: 'sig', crv: 'P-256' }, `key ${key.kid} complete`)
    t.notOk('d' in key, `key ${key.kid} has no private part`)
  }
  const remote = createRemoteJWKSet(new URL(`${origin}/.well-known/jwks.json`))
  const { payload, protectedHeader } = await jwtVerify(await tokenOf(app), remote, {
    algorithms: ['ES256'], issuer: 'oathkeeper', audience: 'openapp-lan-agent',
  })
  t.equal(protectedHeader.alg, 'ES256', 'pinned algorithm')
  t.match(payload, { sub: '01KDVDNA00TTN1C5B5Q54EGGYP', orgs: [ORG_A], jti: String }, 'claims')
})

t.test('forged and misused tokens get 401, never 500', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  const genuine = await tokenOf(app)
  const kid = decodeProtectedHeader(genuine).kid as string
  const publicJwk = app.keyring.publicJwks(built.clock.now())[0]!
  const claims = { sub: '01KDVDNA00TTN1C5B5Q54EGGYP', orgs: [ORG_A], integration_id: null }
  const now = Math.floor(Date.now() / 1000)
  const none = new UnsecuredJWT(claims).setIssuer('oathkeeper').setAudience('openapp-lan-agent')
    .setIssuedAt(now).setExpirationTime(now + 600).setJti('j').encode()
  const hs256 = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', kid, typ: 'lan-agent+jwt' })
    .setIssuer('oathkeeper').setAudience('openapp-lan-agent').setIssuedAt(now)
    .setExpirationTime(now + 600).setJti('j')
    .sign(new TextEncoder().encode(JSON.stringify(publicJwk)))
  const mintReply = await app.inject({
    method: 'POST', url: `${API}/lan-agent/cli/bootstrap-token`, headers: ALICE,
    payload: { task_id: 'serve', api_base_url: 'http://localhost:4455/api/v1' },
  })
  const record = await built.store.getBootstrapKey(mintReply.json().bootstrap_key, built.clock.now())
  const [header, body, signature] = genuine.split('.') as [string, string, string]
  const widened = base64url.encode(JSON.stringify({
    ...JSON.parse(new TextDecoder().decode(base64url.decode(body))), orgs: [ORG_A, '01KDVDNA00ZPKVKJBMS3PDFETK'],
  }))
  const unknownKid = `${base64url.encode(JSON.stringify({ alg: 'ES256', kid: 'nope', typ: 'lan-agent+jwt' }))}.${body}.${signature}`
  const forged: [string, string][] = [
    ['alg none', none],
    ['HS256 keyed with the public JWK', hs256],
    ['a bootstrap JWT used as an agent JWT', record!.token],
    ['a payload edited after signing', `${header}.${widened}.${signature}`],
    ['an unknown kid', unknownKid],
    ['garbage in JWT shape', 'aaa.bbb.ccc'],
  ]
  for (const [what, token] of forged) {
    const reply = await app.inject({
      url: tasksUrl(INT_A1), headers: { authorization: `Bearer ${token}`, 'x-org': ORG_A },
    })
    t.equal(reply.statusCode, 401, `${what}: 401`)
    t.equal(reply.json().error_code, 'invalid_credentials', `${what}: invalid_credentials`)
  }
})

t.test('rotation: overlap, retirement, and a second instance verifies at once', async (t) => {
  if (!(await requireRedis(t))) return
  const { store } = testRedisStore(t)
  // Frozen: the retirement boundary is checked to the millisecond, whatever the machine's load.
  const clock = new Clock(Date.now())
  // The admin surface would sync the clock offset from the store every second, undoing the
  // advances below; this test moves its own clock, so the surface stays off.
  const config = loadConfig({ NODE_ENV: 'test', ADMIN_ENABLED: 'false' })
  const instanceA = await buildApp({ config, store, clock, logger: false })
  t.teardown(() => instanceA.close())
  const instanceB = await buildApp({ config, store, clock, logger: false })
  t.teardown(() => instanceB.close())
  const headers = (token: string) => ({ authorization: `Bearer ${token}`, 'x-org': ORG_A })
  const tasksOn = async (app: typeof instanceA, token: string) =>
    (await app.inject({ url: tasksUrl(INT_A1), headers: headers(token) })).statusCode

  const oldToken = await tokenOf(instanceA)
  const oldKid = decodeProtectedHeader(oldToken).kid
  const fresh = await instanceA.keyring.rotate(clock.now())
  const kidsOnA = () => instanceA.keyring.publicJwks(clock.now()).map((key) => key.kid)
  t.same(kidsOnA().sort(), [oldKid, fresh.kid].sort(), 'the new key is published at once')
  t.equal(decodeProtectedHeader(await tokenOf(instanceA)).kid, oldKid,
    'the old key keeps signing during the lead time')
  clock.advance(60_000)
  const newToken = await tokenOf(instanceA)
  t.equal(decodeProtectedHeader(newToken).kid, fresh.kid, 'the new key signs after the lead')
  t.equal(await tasksOn(instanceB, newToken), 200, 'instance B verifies a new-key token at once')
  t.equal(await tasksOn(instanceB, oldToken), 200, 'old-key tokens keep working')
  // Retired at activation; kept for the longest token lifetime (3600 s) plus 60 s of skew.
  clock.advance(3_600_000 + 60_000 - 1)
  t.same(kidsOnA().sort(), [oldKid, fresh.kid].sort(), 'still published while a token may live')
  clock.advance(1)
  t.same(kidsOnA(), [fresh.kid], 'the retired key leaves the JWKS after its tokens expired')
  t.equal(await tasksOn(instanceA, oldToken), 401, 'and its tokens are expired by then')
  t.equal(await tasksOn(instanceA, await tokenOf(instanceA)), 200, 'new tokens work')
})
