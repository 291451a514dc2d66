// Case 10: `curl ... | sh` where sh is dash must stop at once with a message naming bash,
// not fail with a syntax error halfway through.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { renderInstaller } from '../../src/installer/render.js'
import { childEnv, tempDir } from '../fixtures/installer/processes.js'
import { installerValues } from '../fixtures/installer/values.js'
import { DASH, needs } from '../fixtures/installer/tools.js'

t.test('dash reading the script exits 1 and says to use bash', needs(DASH), async (t) => {
  t.ok(existsSync(DASH), `${DASH} is installed (required on CI)`)
  const dir = tempDir(t, 'dash')
  const home = join(dir, 'agent-home')
  const script = renderInstaller(installerValues())
  for (const args of [[], ['-s']]) {
    const result = spawnSync(DASH, args, {
      input: script,
      env: childEnv({ HOME: dir, LAN_AGENT_HOME: home }),
      encoding: 'utf8',
    })
    const how = `dash ${args.join(' ')}`.trim()
    t.equal(result.status, 1, `${how}: exit status 1`)
    t.match(result.stderr, /this installer needs bash: run it with .*\| bash/, `${how}: says why`)
    t.notMatch(result.stderr, /syntax error|unexpected/i, `${how}: no syntax error first`)
    t.equal(result.stdout, '', `${how}: prints nothing on stdout`)
  }
  t.notOk(existsSync(home), 'nothing was installed')
})
