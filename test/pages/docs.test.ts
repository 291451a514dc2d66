import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DEV_SEED_PATH } from '../../src/seed/load.js'
import { buildTestApp } from '../fixtures/app.js'
import { tempDir } from '../fixtures/installer/processes.js'
import { API, INT_A1, ORG_A } from '../fixtures/seed.js'

const TASKS_PATH = '/integrations/{integration_id}/lan-agent/tasks'

interface Parameter {
  in: string
  name: string
  example?: unknown
}

function tasksParameters(document: { paths: Record<string, any> }): Parameter[] {
  return document.paths[TASKS_PATH].get.parameters as Parameter[]
}

t.test('/docs is Swagger UI served from this server only', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  const page = await app.inject({ url: '/docs' })
  t.equal(page.statusCode, 200, '/docs answers')
  t.match(page.headers['content-type'], /^text\/html/, 'as HTML')
  const csp = String(page.headers['content-security-policy'])
  t.match(csp, /default-src 'self'/, 'a Content-Security-Policy restricts sources to this server')
  t.notMatch(csp, /https:|http:|\*/, 'the policy names no outside source')

  const references = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '')
  t.ok(references.length >= 4, 'the page references its scripts and styles', { references })
  for (const reference of references) {
    t.match(reference, /^\/docs\/static\//, `${reference} is a file of this server`)
    const asset = await app.inject({ url: reference })
    t.equal(asset.statusCode, 200, `${reference} is served`)
  }
  t.equal((await app.inject({ url: '/docs/' })).statusCode, 200, 'with a trailing slash too')
})

t.test('the pages stay out of the OpenAPI document', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const document = (await built.app.inject({ url: `${API}/openapi.json` })).json()
  const paths = Object.keys(document.paths)
  t.same(paths.filter((path) => path.startsWith('/docs')), [], 'no /docs route is an operation')
  const rendered = (await built.app.inject({ url: '/docs/json' })).json()
  t.same(Object.keys(rendered.paths), paths, '/docs renders the same operations')
  t.same(rendered.servers, document.servers, 'and the same servers, so "try it" calls this server')
})

t.test('with the dev seed, "try it" is ready to use as alice in org A', async (t) => {
  const built = await buildTestApp(t, { env: { PUBLIC_BASE_URL: 'http://localhost:4455' } })
  if (!built) return
  const { app } = built
  const initializer = (await app.inject({ url: '/docs/static/swagger-initializer.js' })).body
  t.match(initializer, '"lanAgentPrefill":{"apiKey":"http://localhost:4455_openapp_dev-alice-key"}',
    'the UI configuration carries the dev API key')
  t.match(initializer, 'window.lanAgentDocsPrefill(system)', 'and the plugin that authorizes it')
  const plugin = await app.inject({ url: '/docs/static/theme/prefill.js' })
  t.equal(plugin.statusCode, 200, 'the plugin script is served')
  t.match(plugin.body, "preauthorizeApiKey('bearer_auth'", 'it authorizes the bearer_auth scheme')

  const rendered = (await app.inject({ url: '/docs/json' })).json()
  t.match(tasksParameters(rendered), [
    { in: 'path', name: 'integration_id', example: INT_A1 },
    { in: 'header', name: 'X-Org', example: ORG_A },
  ], 'X-Org and integration_id take org A and integration A1 as examples')
  t.match(rendered.info.description, 'Dev seed in use', 'the page says why calls are authorized')

  const served = (await app.inject({ url: `${API}/openapi.json` })).json()
  t.notOk(tasksParameters(served).some((p) => 'example' in p),
    'the served OpenAPI document itself keeps no dev examples')
})

t.test('no credential is filled in where it would not be the published dev key', async (t) => {
  const dir = tempDir(t, 'seed')
  const ownSeed = JSON.parse(readFileSync(DEV_SEED_PATH, 'utf8'))
  for (const user of ownSeed.users) user.api_keys = [`${user.name}-real-secret`]
  const seedPath = join(dir, 'seed.json')
  writeFileSync(seedPath, JSON.stringify(ownSeed))

  const cases = {
    'in production': { NODE_ENV: 'production' },
    'with a seed of its own': { LAN_AGENT_SEED: seedPath },
  }
  for (const [name, env] of Object.entries(cases)) {
    await t.test(name, async (t) => {
      const built = await buildTestApp(t, { env })
      if (!built) return
      const { app } = built
      t.equal((await app.inject({ url: '/docs' })).statusCode, 200, '/docs is still served')
      const initializer = (await app.inject({ url: '/docs/static/swagger-initializer.js' })).body
      t.notMatch(initializer, /lanAgentPrefill|_openapp_|real-secret/, 'no key in the UI setup')
      const plugin = await app.inject({ url: '/docs/static/theme/prefill.js' })
      t.equal(plugin.statusCode, 404, 'the prefill plugin is not served')
      const rendered = (await app.inject({ url: '/docs/json' })).json()
      t.notOk(tasksParameters(rendered).some((p) => 'example' in p), 'no examples are added')
      t.notMatch(rendered.info.description, 'Dev seed in use', 'no dev note')
    })
  }
})

t.test('DOCS_ENABLED=false removes the page', async (t) => {
  const built = await buildTestApp(t, { env: { DOCS_ENABLED: 'false' } })
  if (!built) return
  const reply = await built.app.inject({ url: '/docs' })
  t.equal(reply.statusCode, 404, 'not found')
  t.equal(reply.json().error_code, 'route_not_found', 'in the error envelope')
  t.equal((await built.app.inject({ url: `${API}/openapi.json` })).statusCode, 200,
    'the OpenAPI document is still served')
})
