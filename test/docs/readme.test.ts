import { readFileSync } from 'node:fs'
import t from 'tap'
import { README_PATH, assembleReadme } from '../../scripts/readme.js'

t.test('README.md is assembled from docs/readme/', async (t) => {
  t.equal(readFileSync(README_PATH, 'utf8'), assembleReadme(),
    'stale: run `npm run docs:readme` and commit README.md')
})

t.test('every `npm run` the README names is a script of package.json', async (t) => {
  const scripts = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
    .scripts as Record<string, string>
  const named = new Set(
    [...readFileSync(README_PATH, 'utf8').matchAll(/npm run ([a-z][a-z0-9:_-]*)/g)].map((m) => m[1]!),
  )
  t.ok(named.size > 0, 'the README names scripts')
  for (const name of named) t.ok(scripts[name], `npm run ${name} exists`)
})
