import { spawnSync } from 'node:child_process'
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { ConfigError, loadConfig } from '../../src/config/load.js'
import { DEV_SEED_PATH } from '../../src/seed/load.js'
import { tempDir } from '../fixtures/installer/processes.js'

t.test('production refuses the dev seed unless allowed', async (t) => {
  t.throws(() => loadConfig({ NODE_ENV: 'production' }), ConfigError, 'refused')
  t.throws(() => loadConfig({ NODE_ENV: 'production' }), /ALLOW_DEV_SEED=true/,
    'the message says how to allow it')
  t.throws(() => loadConfig({ NODE_ENV: 'production', LAN_AGENT_SEED: DEV_SEED_PATH }),
    /dev seed/, 'naming the dev seed by its path is the same thing')
  t.equal(loadConfig({ NODE_ENV: 'production', ALLOW_DEV_SEED: 'true' }).ALLOW_DEV_SEED, true,
    'ALLOW_DEV_SEED=true lets it run')
  const own = join(tempDir(t, 'seed'), 'staging.json')
  copyFileSync(DEV_SEED_PATH, own)
  t.equal(loadConfig({ NODE_ENV: 'production', LAN_AGENT_SEED: own }).LAN_AGENT_SEED, own,
    'a seed of its own is fine')
  t.equal(loadConfig({ NODE_ENV: 'development' }).NODE_ENV, 'development', 'development is fine')
})

t.test('the server process exits 2 with the reason', async (t) => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: '0' },
    encoding: 'utf8',
    timeout: 60_000,
  })
  t.equal(result.status, 2, 'exit status 2, as for any invalid configuration')
  t.match(result.stderr, /LAN_AGENT_SEED: NODE_ENV=production refuses the dev seed/, 'says why')
})
