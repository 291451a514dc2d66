import type { FastifyInstance } from 'fastify'
import { compactVerify, importJWK } from 'jose'
import t, { type Test } from 'tap'
import { seededRandom } from '../../src/ids/prng.js'
import { deriveSigningJwk } from '../../src/jwks/derived-key.js'
import { admin, jwtPart } from '../fixtures/admin.js'
import { buildTestApp } from '../fixtures/app.js'
import { ALICE, API, ORG_A } from '../fixtures/seed.js'

const FIXED = { DETERMINISTIC_SEED: 'suite-seed-1', CLOCK_FROZEN_AT: '2030-01-01T00:00:00Z' }

/** What a run observes: request ids, JWKS, token headers and claims, fixtures, raw ids. */
async function run(t: Test, env: Record<string, string>) {
  const built = await buildTestApp(t, { env })
  if (!built) throw new Error('no app')
  const { app } = built
  const meta = await app.inject({ url: `${API}/lan-agent/meta` })
  const tokens = []
  for (let i = 0; i < 3; i += 1) {
    const reply = await app.inject({ method: 'POST', url: `${API}/lan-agent/cli/token`, headers: ALICE })
    tokens.push(reply.json().access_token as string)
  }
  const rotated = await admin(app, { method: 'POST', url: '/keys/rotate' })
  const afterRotation = await app.inject({
    method: 'POST', url: `${API}/lan-agent/cli/token`, headers: ALICE,
  })
  tokens.push(afterRotation.json().access_token as string)
  const fixtures = await admin(app, {
    method: 'POST', url: '/fixtures', payload: { orgs: [{}], users: [{ orgs: [ORG_A] }] },
  })
  const jwks = (await app.inject({ url: '/.well-known/jwks.json' })).json()
  return {
    app,
    observed: {
      requestId: meta.headers['x-request-id'],
      jwks,
      rotatedKid: rotated.json().rotated_kid,
      headers: tokens.map((token) => jwtPart(token, 0)),
      claims: tokens.map((token) => jwtPart(token, 1)),
      fixtures: fixtures.json(),
      // The generator that mints bootstrap keys, task and key ids.
      nextIds: [app.ids.next(app.clock.now()), app.ids.next(app.clock.now())],
    },
    tokens,
  }
}

t.test('two runs with one seed and a frozen clock see the same ids, keys and claims', async (t) => {
  const first = await run(t, FIXED)
  const second = await run(t, FIXED)
  t.same(second.observed, first.observed, 'everything observed is identical')
  t.equal(new Set(first.observed.claims.map((c) => c.jti)).size, 4, 'jti still differ per token')
  t.equal(first.observed.jwks.keys.length, 2, 'both keys published after the rotation')
  t.equal(first.observed.headers[3]?.kid, first.observed.rotatedKid,
    'with the clock frozen, the rotated key signs at once')
  t.not(first.tokens[0], first.tokens[1], 'two tokens of one run differ (jti)')
  // ES256 signatures take a random nonce (WebCrypto has no RFC 6979 mode): only they differ.
  const kid = second.observed.headers[0]?.kid
  const jwk = first.observed.jwks.keys.find((k: { kid: string }) => k.kid === kid)
  const key = await importJWK(jwk, 'ES256')
  const verified = await compactVerify(second.tokens[0] as string, key)
  t.ok(verified, 'a token of run two verifies with the JWKS of run one')
})

t.test('another seed gives other ids and keys', async (t) => {
  const first = await run(t, FIXED)
  const other = await run(t, { ...FIXED, DETERMINISTIC_SEED: 'suite-seed-2' })
  t.not(other.observed.jwks.keys[0].kid, first.observed.jwks.keys[0].kid, 'another kid')
  t.not(other.observed.jwks.keys[0].x, first.observed.jwks.keys[0].x, 'another key')
  t.not(other.observed.claims[0]?.jti, first.observed.claims[0]?.jti, 'another jti')
})

t.test('without a seed, runs differ', async (t) => {
  const frozen = { CLOCK_FROZEN_AT: FIXED.CLOCK_FROZEN_AT }
  const first = await run(t, frozen)
  const second = await run(t, frozen)
  t.not(second.observed.requestId, first.observed.requestId, 'request ids differ')
  t.not(second.observed.jwks.keys[0].x, first.observed.jwks.keys[0].x, 'keys differ')
})

t.test('if the bootstrap-token route exists, its keys repeat too', async (t) => {
  const mintKeys = async (app: FastifyInstance) => {
    const keys = []
    for (let i = 0; i < 2; i += 1) {
      const reply = await app.inject({
        method: 'POST',
        url: `${API}/lan-agent/cli/bootstrap-token`,
        headers: ALICE,
        payload: { task_id: 'serve', api_base_url: 'http://localhost:4455/api/v1' },
      })
      keys.push(reply.json().bootstrap_key)
    }
    return keys
  }
  const first = await run(t, FIXED)
  if (!first.app.admin?.operations.get('post_lan_agent_cli_bootstrap_token')) {
    t.skip('the bootstrap-token route is not part of this build', () => {})
    return
  }
  const second = await run(t, FIXED)
  t.same(await mintKeys(second.app), await mintKeys(first.app), 'the same bootstrap keys')
})

t.test('seededRandom: reproducible, in [0, 1), seed-dependent', async (t) => {
  const a = seededRandom('x')
  const b = seededRandom('x')
  const c = seededRandom('y')
  const first = Array.from({ length: 1000 }, () => a())
  t.same(Array.from({ length: 1000 }, () => b()), first, 'same seed, same sequence')
  t.not(c(), first[0], 'another seed, another start')
  t.ok(first.every((v) => v >= 0 && v < 1), 'every value in [0, 1)')
  t.ok(new Set(first).size > 990, 'no short cycle')
})

t.test('deriveSigningJwk: a valid P-256 key, stable per seed and kid', async (t) => {
  const jwk = deriveSigningJwk('seed', 'KID1')
  t.same(deriveSigningJwk('seed', 'KID1'), jwk, 'stable')
  t.not(deriveSigningJwk('seed', 'KID2').d, jwk.d, 'another kid, another key')
  const privateKey = await importJWK(jwk, 'ES256')
  const { d: _d, ...publicJwk } = jwk
  const publicKey = await importJWK(publicJwk, 'ES256')
  const { CompactSign } = await import('jose')
  const jws = await new CompactSign(new TextEncoder().encode('hello'))
    .setProtectedHeader({ alg: 'ES256' })
    .sign(privateKey)
  const verified = await compactVerify(jws, publicKey)
  t.equal(new TextDecoder().decode(verified.payload), 'hello', 'signs and verifies')
})
