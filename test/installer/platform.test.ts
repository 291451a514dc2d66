import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { renderInstaller } from '../../src/installer/render.js'
import { childEnv, tempDir } from '../fixtures/installer/processes.js'
import { installerValues } from '../fixtures/installer/values.js'
import { BASH } from '../fixtures/installer/tools.js'

const dir = tempDir(t, 'platform')
const home = join(dir, 'agent-home')
const script = renderInstaller(installerValues())

/** A PATH whose uname reports the given kernel and machine. */
function pathWithUname(os: string, machine: string): string {
  const bin = join(dir, `uname-${os}-${machine}`)
  mkdirSync(bin, { recursive: true })
  writeFileSync(join(bin, 'uname'),
    `#!/bin/sh\ncase "$1" in -s) echo '${os}' ;; -m) echo '${machine}' ;; esac\n`)
  chmodSync(join(bin, 'uname'), 0o755)
  return `${bin}:${process.env.PATH ?? ''}`
}

function dryRun(os: string, machine: string, env: Record<string, string> = {}, input = script) {
  return spawnSync(BASH, [], {
    input,
    env: childEnv({
      PATH: pathWithUname(os, machine),
      HOME: dir,
      LAN_AGENT_HOME: home,
      LAN_AGENT_DRY_RUN: '1',
      ...env,
    }),
    encoding: 'utf8',
  })
}

t.test('uname output maps to the published build names', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['Linux', 'x86_64', 'lan-agent-linux-amd64'],
    ['Linux', 'amd64', 'lan-agent-linux-amd64'],
    ['Linux', 'aarch64', 'lan-agent-linux-arm64'],
    ['Darwin', 'arm64', 'lan-agent-darwin-arm64'],
    ['Darwin', 'x86_64', 'lan-agent-darwin-amd64'],
  ]
  for (const [os, machine, build] of cases) {
    const result = dryRun(os, machine)
    t.equal(result.status, 0, `${os} ${machine}: dry run succeeds`, { stderr: result.stderr })
    t.match(result.stdout, `  platform:     ${build}\n`, `${os} ${machine} is ${build}`)
  }
})

t.test('an unsupported system is refused with a clear error', async (t) => {
  const freebsd = dryRun('FreeBSD', 'x86_64')
  t.equal(freebsd.status, 1, 'FreeBSD: exit 1')
  t.match(freebsd.stderr, /unsupported operating system 'FreeBSD' \(supported: Linux, Darwin\)/,
    'names the system and the supported ones')
  const mips = dryRun('Linux', 'mips64')
  t.equal(mips.status, 1, 'mips64: exit 1')
  t.match(mips.stderr, /unsupported architecture 'mips64'/, 'names the architecture')
  t.notOk(existsSync(home), 'nothing was created')
})

t.test('a platform without a published checksum is refused', async (t) => {
  const agentChecksums = { 'lan-agent-linux-arm64': 'a'.repeat(64) }
  const result = dryRun('Linux', 'x86_64', {},
    renderInstaller(installerValues(undefined, { agentChecksums })))
  t.equal(result.status, 1, 'exit 1')
  t.match(result.stderr, /publishes no agent build for lan-agent-linux-amd64/, 'says which one')
})

t.test('LAN_AGENT_DRY_RUN accepts yes/no spellings and refuses anything else', async (t) => {
  for (const value of ['1', 'true', 'yes']) {
    const result = dryRun('Linux', 'x86_64', { LAN_AGENT_DRY_RUN: value })
    t.match(result.stdout, /dry run/, `LAN_AGENT_DRY_RUN=${value} is a dry run`)
  }
  const typo = dryRun('Linux', 'x86_64', { LAN_AGENT_DRY_RUN: 'ture' })
  t.equal(typo.status, 1, 'a typo stops the run instead of installing for real')
  t.match(typo.stderr, /LAN_AGENT_DRY_RUN must be 1 or 0/, 'and says so')
  t.notOk(existsSync(home), 'nothing was created')
})
