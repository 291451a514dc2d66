import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { exportJWK, generateKeyPair } from 'jose'
import t from 'tap'
import { admin, eventually, FAST_SYNC, jwtPart, twoInstances } from '../fixtures/admin.js'
import { buildTestApp, forEachStore } from '../fixtures/app.js'
import { ALICE, API, INT_A1, ORG_A, tasksUrl } from '../fixtures/seed.js'

const mint = async (app: FastifyInstance) => {
  const reply = await app.inject({ method: 'POST', url: `${API}/lan-agent/cli/token`, headers: ALICE })
  return reply.json().access_token as string
}
const useToken = (app: FastifyInstance, token: string) =>
  app.inject({ url: tasksUrl(INT_A1), headers: { authorization: `Bearer ${token}`, 'x-org': ORG_A } })
const published = async (app: FastifyInstance) =>
  (await app.inject({ url: '/.well-known/jwks.json' })).json().keys.map((k: { kid: string }) => k.kid)

t.test('GET /keys shows the signing key; rotate swaps it with overlap', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  const before = (await admin(app, { url: '/keys' })).json()
  t.equal(before.keys.length, 1, 'one key at start')
  t.match(before, { from_file: false, keys: [{ signing: true, published: true, retired_at: null }] },
    'it signs and is published')
  const oldKid = before.signing_kid
  const oldToken = await mint(app)
  t.equal(jwtPart(oldToken, 0).kid, oldKid, 'tokens carry the signing kid')

  const rotated = await admin(app, { method: 'POST', url: '/keys/rotate' })
  t.equal(rotated.statusCode, 200, 'rotated')
  const body = rotated.json()
  t.not(body.rotated_kid, oldKid, 'a new key')
  t.equal(body.signing_kid, body.rotated_kid, 'the new key signs at once by default')
  t.same(await published(app), [body.rotated_kid, oldKid], 'both keys published, newest first')
  t.equal(jwtPart(await mint(app), 0).kid, body.rotated_kid, 'new tokens use the new key')
  t.equal((await useToken(app, oldToken)).statusCode, 200, 'a token of the old key still works')

  // The old key stays published for the longest token lifetime plus 60 s of skew.
  await admin(app, { method: 'POST', url: '/clock', payload: { advance_seconds: 3600 + 59 } })
  t.ok((await published(app)).includes(oldKid), 'still published just before its last token ends')
  await admin(app, { method: 'POST', url: '/clock', payload: { advance_seconds: 2 } })
  t.same(await published(app), [body.rotated_kid], 'then it is withdrawn')
})

t.test('activate_in_seconds publishes the new key before it signs', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  const oldKid = (await admin(app, { url: '/keys' })).json().signing_kid
  const rotated = await admin(app, {
    method: 'POST', url: '/keys/rotate', payload: { activate_in_seconds: 120 },
  })
  const { rotated_kid: newKid, signing_kid: signing } = rotated.json()
  t.equal(signing, oldKid, 'the old key keeps signing during the lead')
  t.ok((await published(app)).includes(newKid), 'the new key is already published')
  t.equal(jwtPart(await mint(app), 0).kid, oldKid, 'tokens still use the old key')
  await admin(app, { method: 'POST', url: '/clock', payload: { advance_seconds: 120 } })
  t.equal(jwtPart(await mint(app), 0).kid, newKid, 'once the lead has passed, the new key signs')
  const bad = await admin(app, { method: 'POST', url: '/keys/rotate', payload: { activate_in_seconds: -1 } })
  t.equal(bad.statusCode, 400, 'a negative lead is refused')
})

t.test('a rotation is picked up by every instance', (t) =>
  forEachStore(t, async (t, store) => {
    const pair = await twoInstances(t, { store, env: FAST_SYNC })
    if (!pair) return
    const [one, two] = pair
    const rotated = (await admin(one.app, { method: 'POST', url: '/keys/rotate' })).json()
    const token = await mint(one.app)
    t.equal((await useToken(two.app, token)).statusCode, 200,
      'instance two verifies a token of the new key at once (unknown kid: reload)')
    const signing = await eventually(
      async () => (await admin(two.app, { url: '/keys' })).json().signing_kid === rotated.rotated_kid,
    )
    t.ok(signing, 'and signs with the new key within the sync interval')
  }),
)

t.test('keys from JWKS_PRIVATE_FILE are not rotated: 409', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lan-agent-keys-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  const file = join(dir, 'keys.json')
  writeFileSync(file, JSON.stringify({ keys: [{ ...(await exportJWK(privateKey)), kid: 'fixed-1' }] }))
  const built = await buildTestApp(t, { env: { JWKS_PRIVATE_FILE: file } })
  if (!built) return
  const { app } = built
  t.match((await admin(app, { url: '/keys' })).json(), { signing_kid: 'fixed-1', from_file: true },
    'the file key signs')
  const reply = await admin(app, { method: 'POST', url: '/keys/rotate' })
  t.equal(reply.statusCode, 409, '409')
  t.equal(reply.json().error_code, 'key_rotation_unavailable', 'key_rotation_unavailable')
})
