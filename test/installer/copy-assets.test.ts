import { spawnSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { tempDir } from '../fixtures/installer/processes.js'

const SCRIPT = new URL('../../scripts/copy-assets.mjs', import.meta.url).pathname
const SRC = new URL('../../src/', import.meta.url).pathname

t.test('copy-assets puts the template and the agent beside the compiled code', async (t) => {
  const out = tempDir(t, 'assets')
  const result = spawnSync(process.execPath, [SCRIPT, SRC, out], { encoding: 'utf8' })
  t.equal(result.status, 0, 'it succeeds', { stderr: result.stderr })
  const paths = [
    'installer/template/bootstrap.sh.tpl',
    'agent/lan-agent.sh',
    'pages/assets/docs-prefill.js',
  ]
  for (const path of paths) {
    t.equal(readFileSync(join(out, path), 'utf8'), readFileSync(join(SRC, path), 'utf8'),
      `${path} is copied to the same relative path`)
  }
  t.equal(statSync(join(out, 'agent/lan-agent.sh')).mode & 0o111,
    statSync(join(SRC, 'agent/lan-agent.sh')).mode & 0o111, 'the executable bits are kept')
  t.throws(() => statSync(join(out, 'installer/render.ts')), 'TypeScript sources are not copied')
})
