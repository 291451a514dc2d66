import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import {
  FINGERPRINT_PATH,
  UPSTREAM_CONTRACT_PATH,
  upstreamFingerprint,
} from '../../scripts/upstream-contract.js'

t.test('the committed fingerprint matches the upstream contract beside the clone', async (t) => {
  // CI places the shared folder at ../shared; a checkout without it compares nothing here, and
  // the conformance test still runs against the committed fingerprint.
  if (!existsSync(UPSTREAM_CONTRACT_PATH)) {
    t.skip(`no upstream contract at ${fileURLToPath(UPSTREAM_CONTRACT_PATH)}`, () => {})
    return
  }
  t.equal(readFileSync(FINGERPRINT_PATH, 'utf8'), upstreamFingerprint(),
    'stale: run `npm run fingerprint` and commit contract/upstream-fingerprint.json')
})

t.test('the fingerprint holds facts, no upstream prose', async (t) => {
  const text = readFileSync(FINGERPRINT_PATH, 'utf8')
  for (const field of ['"description"', '"summary"', '"title"', '"license"', '"info"']) {
    t.notOk(text.includes(field), `no ${field} field`)
  }
  if (!existsSync(UPSTREAM_CONTRACT_PATH)) return
  // Every prose string of the upstream, long enough to be a sentence, is absent.
  const upstream = JSON.parse(readFileSync(UPSTREAM_CONTRACT_PATH, 'utf8'))
  const prose: string[] = []
  const collect = (value: unknown, key: string) => {
    if (typeof value === 'string' && ['description', 'summary', 'title'].includes(key)) {
      prose.push(value)
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) collect(v, k)
    }
  }
  collect(upstream, '')
  t.ok(prose.length > 5, 'the upstream has prose to look for')
  t.same(prose.filter((sentence) => text.includes(sentence)), [], 'none of it is copied')
})
