import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import {
  loadReferenceAgent,
  REFERENCE_AGENT_FILES,
  REFERENCE_AGENT_VERSION,
} from '../../src/agent/dist.js'
import { AGENT_SCRIPT } from '../fixtures/installer/agent-home.js'
import { tempDir } from '../fixtures/installer/processes.js'

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

t.test('the dist is computed once', async (t) => {
  t.equal(loadReferenceAgent(), loadReferenceAgent(), 'the same object on every call')
})

t.test('the version matches the script', async (t) => {
  const script = readFileSync(AGENT_SCRIPT, 'utf8')
  const declared = /^readonly LAN_AGENT_VERSION='([^']+)'$/m.exec(script)?.[1]
  t.equal(declared, REFERENCE_AGENT_VERSION, 'LAN_AGENT_VERSION in lan-agent.sh')
  t.equal(loadReferenceAgent().version, REFERENCE_AGENT_VERSION, 'the dist version')
})

t.test('every platform gets the script, with its checksum', async (t) => {
  const dist = loadReferenceAgent()
  const script = readFileSync(AGENT_SCRIPT)
  t.same([...dist.files.keys()].sort(), [...REFERENCE_AGENT_FILES].sort(), 'the four builds')
  for (const name of REFERENCE_AGENT_FILES) {
    const file = dist.files.get(name) ?? Buffer.alloc(0)
    t.ok(file.equals(script), `${name} is lan-agent.sh byte for byte`)
    t.equal(dist.checksums[name], sha256(file), `${name} checksum is its SHA-256`)
  }
  t.ok(Object.isFrozen(dist.checksums), 'the checksums cannot be changed by a caller')
})

t.test('SHA256SUMS is in the sha256sum format, sorted, and verifies', async (t) => {
  const dist = loadReferenceAgent()
  const lines = dist.sha256sums.split('\n')
  t.equal(lines.pop(), '', 'it ends with a newline')
  t.same(lines, [...lines].sort((a, b) => a.slice(66).localeCompare(b.slice(66))),
    'sorted by name')
  for (const line of lines) t.match(line, /^[0-9a-f]{64} {2}lan-agent-[a-z]+-[a-z0-9]+$/, line)

  const dir = tempDir(t, 'sums')
  for (const [name, bytes] of dist.files) writeFileSync(join(dir, name), bytes)
  writeFileSync(join(dir, 'SHA256SUMS'), dist.sha256sums)
  const check = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' })
  t.equal(check.status, 0, 'sha256sum -c accepts it', { stdout: check.stdout })
})
