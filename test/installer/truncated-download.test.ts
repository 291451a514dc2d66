// Case 8: whatever prefix of the installer bash receives (a dropped connection, a proxy
// that cuts the body), it must run no step of the install.
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { renderInstaller } from '../../src/installer/render.js'
import { tempDir } from '../fixtures/installer/processes.js'
import { installerValues } from '../fixtures/installer/values.js'
import { BASH } from '../fixtures/installer/tools.js'

// Everything the installer could run outside bash itself. PATH holds only these stubs, so
// a command not listed here cannot run either: it fails with "command not found".
const STUBS = [
  'basename', 'cat', 'chmod', 'chown', 'cp', 'curl', 'dirname', 'env', 'head', 'id',
  'install', 'ln', 'mkdir', 'mktemp', 'mv', 'readlink', 'rm', 'sed', 'sh', 'sha256sum',
  'shasum', 'sleep', 'tee', 'touch', 'uname', 'wget',
]

const dir = tempDir(t, 'truncated')
const stubDir = join(dir, 'stubs')
const log = join(dir, 'steps.log')
const home = join(dir, 'home')
mkdirSync(stubDir)
for (const name of STUBS) {
  const path = join(stubDir, name)
  // uname answers like a Linux x86_64 machine so the complete script gets past platform
  // detection and reaches the download, which shows the stubs are really on its path.
  const reply = name === 'uname' ? 'case "$1" in -s) echo Linux ;; -m) echo x86_64 ;; esac\n' : ''
  writeFileSync(path, `#!/bin/sh\necho "${name} $*" >>"$STEP_LOG"\n${reply}`)
  chmodSync(path, 0o755)
}

const script = Buffer.from(
  renderInstaller(installerValues(undefined, { taskId: "it's $(touch pwned)", deviceId: null })),
)

function runPrefix(length: number) {
  rmSync(log, { force: true })
  const result = spawnSync(BASH, [], {
    input: script.subarray(0, length),
    env: { PATH: stubDir, HOME: home, STEP_LOG: log },
    cwd: dir,
    timeout: 10_000,
  })
  const steps = existsSync(log) ? readFileSync(log, 'utf8') : ''
  return { status: result.status, steps }
}

// A small deterministic generator, so a failing offset is the same on every run.
function offsets(count: number, below: number, seed = 0x2545f491): number[] {
  let state = seed
  const out: number[] = []
  for (let i = 0; i < count; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    out.push((state >>> 0) % below)
  }
  return out
}

t.test('no proper prefix runs a step of the install', async (t) => {
  // Dropping only the final LF leaves the complete program, so proper prefixes are shorter.
  const complete = script.length - 1
  t.equal(script[complete], 0x0a, 'the script ends with a line feed')
  const cuts = new Set<number>([0])
  for (let i = 0; i < complete; i++) {
    if (script[i] === 0x0a) {
      cuts.add(i + 1)
      cuts.add(i)
    }
  }
  const lastLine = script.lastIndexOf(0x0a, complete - 1) + 1
  for (let i = lastLine; i < complete; i++) cuts.add(i)
  for (const cut of offsets(200, complete)) cuts.add(cut)
  cuts.delete(complete)

  const failures: string[] = []
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    const { steps } = runPrefix(cut)
    if (steps !== '' || existsSync(home) || existsSync(join(dir, 'pwned'))) {
      const tail = JSON.stringify(script.subarray(Math.max(0, cut - 30), cut).toString())
      failures.push(`cut at ${cut} (…${tail}) ran: ${steps.trim() || '(files appeared)'}`)
    }
  }
  t.ok(cuts.size > 300, `${cuts.size} prefixes tried`)
  t.same(failures, [], 'every proper prefix ran nothing')
})

t.test('the complete script does run the steps under the same stubs', async (t) => {
  const { status, steps } = runPrefix(script.length)
  t.not(status, 0, 'it fails later, as the stubs download nothing')
  t.match(steps, /^uname -s\nuname -m\nmkdir -p .*\nmktemp .*\ncurl .*lan-agent-linux-amd64\n/,
    'platform detection, mkdir, mktemp and the download ran, in that order')
  t.notOk(existsSync(join(dir, 'pwned')), 'the hostile task id still ran nothing')
})
