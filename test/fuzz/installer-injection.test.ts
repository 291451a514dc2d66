import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import t from 'tap'
import { buildTestApp } from '../fixtures/app.js'
import { tempDir } from '../fixtures/installer/processes.js'
import { ALICE, API, INT_A1 } from '../fixtures/seed.js'

/**
 * Issue 6: random hostile strings in every value that reaches the installer are refused at mint
 * time or rendered inert. Each accepted sample's script runs under bash in a dry run with a
 * marker path inside every payload: no marker may appear, nothing may be written, and the
 * device id must come back in the plan exactly as it was sent.
 */
const FRAGMENTS = [
  "'", '"', '`', '$(', ')', '${', '}', '\\', '\n', '\r', '\t', ';', '&&', '|', '>', '<', '*',
  '?', '[', ']', '!', '#', '~', '%', '\u0000', '\u2028', '\ufeff', 'é', '🚪', ' ', '-n', '--',
  '@@API_BASE_URL@@', "'\\''", '$IFS', '\u001b[31m',
]

t.test('hostile values in device_id, task_id and api_base_url: refused or inert', async (t) => {
  const built = await buildTestApp(t, { env: { RATE_LIMIT_MINT_PER_USER: '0', RATE_LIMIT_MINT_PER_ADDRESS: '0' } })
  if (!built) return
  const { app } = built
  const dir = tempDir(t, 'fuzz')
  const marker = join(dir, 'pwned')
  const home = join(dir, 'home')
  const hostile = fc
    .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 8 })
    .map((parts) => parts.join(''))
  const withMarker = hostile.map((text) => `${text}$(touch ${marker})\`touch ${marker}\``)
  let accepted = 0
  let refused = 0
  await fc.assert(
    // Each field is hostile in some runs and plain in others, so accepted samples carry
    // hostile device ids (quoting must hold) and refused ones cover the other fields.
    fc.asyncProperty(
      withMarker,
      fc.oneof(fc.constant(''), hostile),
      fc.oneof(fc.constant(''), fc.constant(''), hostile),
      async (deviceId, taskSuffix, urlSuffix) => {
      const reply = await app.inject({
        method: 'POST', url: `${API}/lan-agent/cli/bootstrap-token`, headers: ALICE,
        payload: {
          task_id: `t${taskSuffix}`,
          api_base_url: `http://localhost:4455/api/v1${urlSuffix}`,
          integration_id: INT_A1,
          device_id: deviceId,
        },
      })
      if (reply.statusCode === 400) {
        refused += 1
        return
      }
      if (reply.statusCode !== 200) throw new Error(`mint answered ${reply.statusCode}`)
      accepted += 1
      const script = await app.inject({
        url: `${API}/lan-agent/cli/bootstrap.sh?key=${reply.json().bootstrap_key}`,
      })
      const run = spawnSync('bash', {
        input: script.body,
        env: { PATH: process.env.PATH, HOME: home, LAN_AGENT_DRY_RUN: '1' },
        encoding: 'utf8',
      })
      if (run.status !== 0) throw new Error(`dry run failed: ${run.stderr}`)
      if (existsSync(marker)) throw new Error(`a value executed: ${JSON.stringify(deviceId)}`)
      if (existsSync(home) && readdirSync(home).length > 0) throw new Error('the dry run wrote')
      if (!run.stdout.includes(`device:       ${deviceId}\n`)) {
        throw new Error(`device id not shown literally: ${JSON.stringify(deviceId)}`)
      }
    }),
    { numRuns: 60, seed: 4455 },
  )
  t.ok(accepted > 0, `some hostile values were accepted and rendered inert (${accepted})`)
  t.ok(refused > 0, `some were refused at mint time (${refused})`)
  t.notOk(existsSync(marker), 'no marker file was ever created')
})
