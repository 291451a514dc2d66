import { spawnSync } from 'node:child_process'
import { decodeJwt } from 'jose'
import t from 'tap'
import { buildTestApp, forEachStore, type TestApp } from '../fixtures/app.js'
import { ALICE, API, INT_A1, ORG_A, tasksUrl } from '../fixtures/seed.js'

const SCRIPT = `${API}/lan-agent/cli/bootstrap.sh`

async function mint(built: TestApp, extra: Record<string, unknown> = {}): Promise<string> {
  const reply = await built.app.inject({
    method: 'POST', url: `${API}/lan-agent/cli/bootstrap-token`, headers: ALICE,
    payload: { task_id: 'serve', api_base_url: 'http://localhost:4455/api/v1', ...extra },
  })
  return reply.json().bootstrap_key
}

/** The agent JWT the script carries, read off its readonly line. */
function embeddedToken(script: string): string {
  const match = /AGENT_TOKEN='([^']+)'/.exec(script)
  if (!match?.[1]) throw new Error('no AGENT_TOKEN in script')
  return match[1]
}

t.test('a live key gets the script, whatever Accept says', (t) =>
  forEachStore(t, async (t, kind) => {
    const built = await buildTestApp(t, { store: kind })
    if (!built) return
    const key = await mint(built, { integration_id: INT_A1, task_id: 'waveshare.provision' })
    for (const accept of ['application/json', '*/*', 'text/html', undefined]) {
      const reply = await built.app.inject({
        url: `${SCRIPT}?key=${key}`, headers: accept ? { accept } : {},
      })
      const what = `Accept ${accept ?? '(none)'}`
      t.equal(reply.statusCode, 200, `${what}: 200`)
      t.equal(reply.headers['content-type'], 'text/x-shellscript; charset=utf-8', `${what}: type`)
      t.equal(reply.headers['cache-control'], 'no-store', `${what}: no-store`)
      t.equal(reply.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`)
      t.equal(Number(reply.headers['content-length']), reply.rawPayload.length, `${what}: length`)
      t.ok(reply.body.startsWith('#!'), `${what}: raw script, not a JSON string`)
      t.notOk(reply.body.includes('\r') || reply.body.includes('\ufeff'), `${what}: no CR, no BOM`)
    }
    const script = (await built.app.inject({ url: `${SCRIPT}?key=${key}` })).body
    const claims = decodeJwt(embeddedToken(script))
    t.match(claims, { aud: 'openapp-lan-agent', orgs: [ORG_A], integration_id: INT_A1,
      task_id: 'waveshare.provision' }, 'the script carries an agent token scoped to the key')
    const tasks = await built.app.inject({
      url: tasksUrl(INT_A1), headers: { authorization: `Bearer ${embeddedToken(script)}`, 'x-org': ORG_A },
    })
    t.equal(tasks.statusCode, 200, 'that agent token works on its integration')
    t.match(script, /\n\{ main "\$@"; \}\n?$/, 'main is called on the last line only')
  }),
)

t.test('bad keys: 400 for malformed, 401 for unknown or expired', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const key = await mint(built)
  const json = { accept: 'application/json' }
  const cases: [string, string, number, string][] = [
    ['missing key', SCRIPT, 400, 'invalid_bootstrap_key'],
    ['empty key', `${SCRIPT}?key=`, 400, 'invalid_bootstrap_key'],
    ['repeated key', `${SCRIPT}?key=${key}&key=${key}`, 400, 'invalid_bootstrap_key'],
    ['not a ULID', `${SCRIPT}?key=abc`, 400, 'invalid_bootstrap_key'],
    ['ULID with an I', `${SCRIPT}?key=${key.slice(0, 25)}I`, 400, 'invalid_bootstrap_key'],
    ['injection attempt', `${SCRIPT}?key=${encodeURIComponent("x'; rm -rf /")}`, 400,
      'invalid_bootstrap_key'],
    ['unknown key', `${SCRIPT}?key=01KDVDNA0000000000000000ZZ`, 401, 'bootstrap_key_rejected'],
  ]
  for (const [what, url, status, code] of cases) {
    const reply = await built.app.inject({ url, headers: json })
    t.equal(reply.statusCode, status, `${what}: ${status}`)
    t.equal(reply.json().error_code, code, `${what}: ${code}`)
    t.notOk(reply.body.includes('rm -rf'), `${what}: the raw value is not echoed`)
  }
  const lower = await built.app.inject({ url: `${SCRIPT}?key=${key.toLowerCase()}` })
  t.equal(lower.statusCode, 200, 'a lower-case key is canonicalised')
  built.clock.advance(600_000)
  const expired = await built.app.inject({ url: `${SCRIPT}?key=${key}`, headers: json })
  t.equal(expired.statusCode, 401, 'expired once the clock passes the TTL')
  t.equal(expired.headers['www-authenticate'], 'Bearer', 'with a challenge')
})

t.test('error bodies: a script for curl | bash, the envelope for JSON clients', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const reply = await built.app.inject({ url: `${SCRIPT}?key=01KDVDNA0000000000000000ZZ` })
  t.equal(reply.statusCode, 401, 'status stays 401')
  t.equal(reply.headers['content-type'], 'text/x-shellscript; charset=utf-8', 'a script')
  t.equal(reply.headers['x-request-id'] !== undefined, true, 'request id on errors too')
  const run = spawnSync('bash', { input: reply.body, encoding: 'utf8' })
  t.equal(run.status, 1, 'bash exits 1')
  t.match(run.stderr, /HTTP 401.*bootstrap_key_rejected.*unknown, expired/, 'the reason on stderr')
  t.equal(run.stdout, '', 'nothing on stdout')
  const sh = spawnSync('sh', { input: reply.body, encoding: 'utf8' })
  t.equal(sh.status, 1, 'sh runs it the same way')
  const bad = await built.app.inject({ url: `${SCRIPT}?key=bad` })
  t.equal(spawnSync('bash', { input: bad.body }).status, 1, 'a 400 body exits 1 under bash too')
  const prefers = await built.app.inject({
    url: `${SCRIPT}?key=bad`, headers: { accept: 'text/x-shellscript;q=0.5, application/json' },
  })
  t.equal(prefers.headers['content-type'], 'application/json; charset=utf-8', 'q-values decide')
})

t.test('keys are reusable by default; single-use consumes once; HEAD never consumes', (t) =>
  forEachStore(t, async (t, kind) => {
    const reusable = await buildTestApp(t, { store: kind })
    if (!reusable) return
    const key = await mint(reusable)
    for (const attempt of [1, 2, 3]) {
      const reply = await reusable.app.inject({ url: `${SCRIPT}?key=${key}` })
      t.equal(reply.statusCode, 200, `reusable: download ${attempt}`)
    }
    const single = await buildTestApp(t, { store: kind, env: { BOOTSTRAP_SINGLE_USE: 'true' } })
    if (!single) return
    const once = await mint(single)
    const head = await single.app.inject({ method: 'HEAD', url: `${SCRIPT}?key=${once}` })
    t.equal(head.statusCode, 200, 'HEAD answers 200')
    t.equal(head.body, '', 'HEAD has no body')
    t.ok(await single.store.getBootstrapKey(once, single.clock.now()), 'HEAD consumed nothing')
    const racers = await Promise.all(
      Array.from({ length: 20 }, () => single.app.inject({ url: `${SCRIPT}?key=${once}` })),
    )
    const statuses = racers.map((reply) => reply.statusCode).sort()
    t.equal(statuses.filter((status) => status === 200).length, 1, 'of 20 racing GETs one wins')
    t.equal(statuses.filter((status) => status === 401).length, 19, 'the rest get 401')
  }),
)

t.test('storage down: 503 with Retry-After as a script', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { StoreUnavailableError } = await import('../../src/store/types.js')
  built.store.getBootstrapKey = () => Promise.reject(new StoreUnavailableError('down'))
  const reply = await built.app.inject({ url: `${SCRIPT}?key=01KDVDNA0000000000000000ZZ` })
  t.equal(reply.statusCode, 503, '503')
  t.equal(reply.headers['retry-after'], '1', 'Retry-After')
  t.equal(spawnSync('bash', { input: reply.body }).status, 1, 'the body exits 1 under bash')
})
