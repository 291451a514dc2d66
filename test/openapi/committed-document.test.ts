import { readFileSync } from 'node:fs'
import t from 'tap'
import { COMMITTED_OPENAPI_PATH, generateOpenapiDocument } from '../../scripts/openapi-document.js'

t.test('openapi/lan-agent.json is what the server generates', async (t) => {
  const committed = readFileSync(COMMITTED_OPENAPI_PATH, 'utf8')
  const generated = await generateOpenapiDocument()
  t.equal(committed, generated, 'stale: run `npm run openapi` and commit openapi/lan-agent.json')
})

t.test('the served document is the committed one', async (t) => {
  const { buildTestApp } = await import('../fixtures/app.js')
  const built = await buildTestApp(t)
  if (!built) return
  const served = await built.app.inject({ url: '/api/v1/openapi.json' })
  t.same(served.json(), JSON.parse(readFileSync(COMMITTED_OPENAPI_PATH, 'utf8')), 'same document')
})
