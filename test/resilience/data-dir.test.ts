import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { jsonInit, timedFetch } from '../fixtures/http.js'
import { tempDir } from '../fixtures/installer/processes.js'
import { waitFor } from '../fixtures/ports.js'
import { LoggedServer } from '../fixtures/logged-server.js'
import { ALICE, INT_A1, ORG_A, taskSpecUrl, tasksUrl } from '../fixtures/seed.js'

const HEADERS = { ...ALICE, 'x-org': ORG_A }
const STATE_FILE = 'lan-agent-state.json'

async function queue(server: LoggedServer, taskId: string) {
  const reply = await timedFetch(
    `${server.url}${taskSpecUrl(INT_A1)}`,
    jsonInit(HEADERS, { task_id: taskId, lan_protocol_version: 2, payload: { taskId } }),
  )
  if (reply.status !== 200) throw new Error(`task-spec answered ${reply.status}: ${reply.body}`)
}

async function list(server: LoggedServer, headers: Record<string, string> = HEADERS) {
  const reply = await timedFetch(`${server.url}${tasksUrl(INT_A1)}`, { headers })
  return { status: reply.status, ids: (reply.json as { task_ids?: string[] }).task_ids }
}

t.test('DATA_DIR: tasks and signing keys survive a restart', async (t) => {
  const dir = tempDir(t, 'data-dir')
  const first = await LoggedServer.start(t, { DATA_DIR: dir })
  for (const id of ['first', 'second', 'third']) await queue(first, id)
  const minted = await timedFetch(`${first.url}/api/v1/lan-agent/cli/token`, {
    method: 'POST',
    headers: ALICE,
  })
  const jwt = (minted.json as { access_token: string }).access_token
  first.signal('SIGTERM')
  t.same(await first.exited, { code: 0, signal: null }, 'a clean stop')

  const file = join(dir, STATE_FILE)
  t.equal(statSync(file).mode & 0o777, 0o600, 'the state file (it holds keys) is mode 0600')
  t.equal(statSync(dir).mode & 0o777, 0o700, 'in a directory only the owner can enter')

  const second = await LoggedServer.start(t, { DATA_DIR: dir })
  t.match(
    second.lines.find((line) => line.msg === 'using the embedded store, kept in DATA_DIR'),
    { restored: true, tasks: 3 },
    'the start says what it restored',
  )
  t.same((await list(second)).ids, ['first', 'second', 'third'], 'the tasks, in queue order')
  const asAgent = await list(second, { authorization: `Bearer ${jwt}`, 'x-org': ORG_A })
  t.equal(asAgent.status, 200, 'a token minted before the restart still verifies: same keys')
})

t.test('DATA_DIR: changes are written while running, so a crash loses little', async (t) => {
  const dir = tempDir(t, 'data-dir-crash')
  const server = await LoggedServer.start(t, { DATA_DIR: dir, DATA_FLUSH_INTERVAL_MS: '100' })
  await queue(server, 'before-the-crash')
  const file = join(dir, STATE_FILE)
  await waitFor('the periodic write', () => readFileSync(file, 'utf8').includes('before-the-crash'))
  server.signal('SIGKILL')
  await server.exited
  const next = await LoggedServer.start(t, { DATA_DIR: dir })
  t.same((await list(next)).ids, ['before-the-crash'], 'the task written before SIGKILL is back')
})

t.test('a damaged state file stops the start instead of being overwritten', async (t) => {
  const dir = tempDir(t, 'data-dir-damaged')
  const file = join(dir, STATE_FILE)
  writeFileSync(file, '{"version":1,"tasks":[', { mode: 0o600 })
  const server = LoggedServer.start(t, { DATA_DIR: dir })
  await t.rejects(server, /not valid JSON/, 'the start fails, naming the problem')
  t.equal(readFileSync(file, 'utf8'), '{"version":1,"tasks":[', 'the file is left for the operator')
  t.same(readdirSync(dir), [STATE_FILE], 'nothing else was written beside it')
})
