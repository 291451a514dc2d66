import t from 'tap'
import type { Counter } from 'prom-client'
import { buildTestApp } from '../fixtures/app.js'
import { ALICE, API } from '../fixtures/seed.js'

const valueOf = async (counter: Counter) => (await counter.get()).values[0]?.value ?? 0

t.test('bootstrap keys minted, used and expired are counted by the routes', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app, clock } = built
  const { bootstrapKeysMinted: minted, bootstrapKeysUsed: used, bootstrapKeysExpired: expired } =
    app.metrics
  const mint = await app.inject({
    method: 'POST', url: `${API}/lan-agent/cli/bootstrap-token`, headers: ALICE,
    payload: { task_id: 'serve', api_base_url: 'http://localhost:4455/api/v1' },
  })
  const key = mint.json().bootstrap_key as string
  t.equal(await valueOf(minted), 1, 'a mint is counted')
  const script = `${API}/lan-agent/cli/bootstrap.sh?key=${key}`
  t.equal((await app.inject({ url: script })).statusCode, 200, 'downloaded')
  t.equal((await app.inject({ method: 'HEAD', url: script })).statusCode, 200, 'HEAD answered')
  t.equal(await valueOf(used), 1, 'a GET is a use; a HEAD is not')
  t.equal((await app.inject({ url: `${API}/lan-agent/cli/bootstrap.sh?key=01KDVDNA0000000000000000ZZ` })).statusCode,
    401, 'an unknown key is refused')
  t.equal(await valueOf(expired), 1, 'an old made-up key counts as expired: its ULID time is past')
  clock.advance(600_000)
  t.equal((await app.inject({ url: script })).statusCode, 401, 'refused after its TTL')
  t.equal(await valueOf(expired), 2, 'the expired key is counted')
})
