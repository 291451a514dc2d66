import t from 'tap'
import { buildTestApp, forEachStore, type TestApp } from '../fixtures/app.js'
import { ALICE, API, BOB } from '../fixtures/seed.js'

const MINT = `${API}/lan-agent/cli/bootstrap-token`
const SCRIPT = `${API}/lan-agent/cli/bootstrap.sh`
const BODY = { task_id: 'serve', api_base_url: 'http://localhost:4455/api/v1' }

const mint = (built: TestApp, headers: Record<string, string>, remoteAddress = '10.9.0.1') =>
  built.app.inject({ method: 'POST', url: MINT, headers, payload: BODY, remoteAddress })

t.test('bootstrap-token: per-user and per-address limits, 429 in the envelope', (t) =>
  forEachStore(t, async (t, kind) => {
    const built = await buildTestApp(t, {
      store: kind,
      env: { RATE_LIMIT_MINT_PER_USER: '2', RATE_LIMIT_MINT_PER_ADDRESS: '3' },
    })
    if (!built) return
    t.equal((await mint(built, ALICE, '10.9.0.1')).statusCode, 200, 'alice mints')
    t.equal((await mint(built, ALICE, '10.9.0.2')).statusCode, 200, 'alice mints again')
    const third = await mint(built, ALICE, '10.9.0.3')
    t.equal(third.statusCode, 429, 'a third key for alice in the window: 429')
    t.match(third.json(), { error_code: 'rate_limited' }, 'in the envelope')
    t.ok(Number(third.headers['retry-after']) >= 1, 'with Retry-After')
    // That refused call still counts for 10.9.0.3: limits are counted before they are judged.
    t.equal((await mint(built, BOB, '10.9.0.3')).statusCode, 200, 'bob from that address')
    t.equal((await mint(built, BOB, '10.9.0.3')).statusCode, 200, 'its third call')
    const crowded = await mint(built, BOB, '10.9.0.3')
    t.equal(crowded.statusCode, 429, 'a fourth call from one address: 429')
    const stored = await built.store.listBootstrapKeys(built.clock.now())
    t.equal(stored.length, 4, 'only the accepted calls stored a key')
  }),
)

t.test('bootstrap.sh: refused downloads explain themselves and consume nothing', (t) =>
  forEachStore(t, async (t, kind) => {
    const built = await buildTestApp(t, {
      store: kind,
      env: {
        BOOTSTRAP_SINGLE_USE: 'true',
        RATE_LIMIT_SCRIPT_PER_ADDRESS: '2',
        RATE_LIMIT_SCRIPT_PER_USER: '3',
      },
    })
    if (!built) return
    const keys: string[] = []
    for (let i = 0; i < 5; i += 1) keys.push((await mint(built, ALICE)).json().bootstrap_key)
    const fetchScript = (key: string, remoteAddress: string, headers = {}) =>
      built.app.inject({ url: `${SCRIPT}?key=${key}`, remoteAddress, headers })

    t.equal((await fetchScript(keys[0]!, '10.8.0.1')).statusCode, 200, 'first download')
    t.equal((await fetchScript(keys[1]!, '10.8.0.1')).statusCode, 200, 'second, same address')
    const piped = await fetchScript(keys[2]!, '10.8.0.1')
    t.equal(piped.statusCode, 429, 'a third from that address: 429')
    t.equal(piped.headers['content-type'], 'text/x-shellscript; charset=utf-8', 'as a script')
    t.match(piped.body, /rate_limited/, 'that prints why, for curl | bash')
    t.ok(Number(piped.headers['retry-after']) >= 1, 'with Retry-After')
    const json = await fetchScript(keys[2]!, '10.8.0.1', { accept: 'application/json' })
    t.match(json.json(), { error_code: 'rate_limited' }, 'the envelope for a JSON client')

    t.equal((await fetchScript(keys[2]!, '10.8.0.2')).statusCode, 200, "alice's third key")
    const owner = await fetchScript(keys[3]!, '10.8.0.3')
    t.equal(owner.statusCode, 429, "a fourth download of alice's keys, from a fresh address")
    t.ok(
      await built.store.getBootstrapKey(keys[3]!, built.clock.now()),
      'the refused single-use key was not consumed',
    )
  }),
)
