// The rendered installer against a stub HTTP server: download, verify, install, run the
// reference agent, with the token watched for on every command line of the machine.
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { loadReferenceAgent } from '../../src/agent/dist.js'
import { renderInstaller, type InstallerValues } from '../../src/installer/render.js'
import {
  canScanProcesses,
  childEnv,
  runProcess,
  scanProcesses,
  tempDir,
  watchProcesses,
} from '../fixtures/installer/processes.js'
import { json, startStubServer, type StubReply } from '../fixtures/installer/stub-server.js'
import { INT_A1, installerValues, ORG_A } from '../fixtures/installer/values.js'
import { BASH } from '../fixtures/installer/tools.js'
import { hostBuildName } from '../fixtures/installer/agent-home.js'

const agent = loadReferenceAgent()
const BUILD = hostBuildName()
const SPEC = {
  lan_protocol_version: 2,
  task_id: 'waveshare.sync',
  spec: { task_id: 'waveshare.sync', integration_id: INT_A1, payload: { device_id: 'door-1' } },
}

interface Observed {
  holders: string[]
  sawAgentCurl: boolean
}

/**
 * While the server holds a request open, the curl that sent it is certainly alive: scanning
 * /proc at that moment checks the very process that carries the token.
 */
async function scanWhileHeld(token: string, observed: Observed): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const scan = scanProcesses(token)
    observed.holders.push(...scan.holders)
    if (scan.commandLines.some((line) => line === 'curl --config -')) observed.sawAgentCurl = true
    await yieldToLoop()
  }
}

async function startAgentServer(
  t: Test,
  token: () => string,
  options: { tamper?: boolean; taskIds?: string[]; specStatus?: number } = {},
) {
  const observed: Observed = { holders: [], sawAgentCurl: false }
  const server = await startStubServer(async (req): Promise<StubReply> => {
    const path = req.path
    const dist = `/api/v1/lan-agent/dist/${agent.version}/`
    if (req.method === 'GET' && path.startsWith(dist)) {
      const file = agent.files.get(path.slice(dist.length))
      if (file === undefined) return json(404, { message: 'no such build' })
      if (canScanProcesses) await scanWhileHeld(token(), observed)
      const body = options.tamper ? Buffer.concat([file, Buffer.from('\ntouch pwned\n')]) : file
      return { status: 200, body, contentType: 'application/octet-stream' }
    }
    if (req.method === 'POST' && path === `/api/v1/integrations/${INT_A1}/lan-agent/task-spec`) {
      if (canScanProcesses) await scanWhileHeld(token(), observed)
      if (options.specStatus !== undefined) {
        return json(options.specStatus, { message: 'denied', error_code: 'forbidden' })
      }
      return json(200, SPEC)
    }
    if (req.method === 'GET' && path === `/api/v1/integrations/${INT_A1}/lan-agent/tasks`) {
      return json(200, { task_ids: options.taskIds ?? [] })
    }
    return json(404, { message: `no route ${req.method} ${path}` })
  })
  t.teardown(() => server.close())
  return { server, observed }
}

async function runInstaller(script: string, env: Record<string, string>, cwd: string) {
  const run = runProcess(BASH, { input: script, env: childEnv(env), cwd })
  const watch = canScanProcesses ? watchProcesses(tokenOf(script), run) : undefined
  const result = await run
  const watched = await watch
  return { ...result, watched }
}

function tokenOf(script: string): string {
  return /\n {2}readonly AGENT_TOKEN='([^']*)'\n/.exec(script)?.[1] ?? 'token-not-found'
}

function leftovers(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((name) => name.includes('.lan-agent-install.'))
}

t.test('installs, verifies and runs the task, keeping the token off every argv', async (t) => {
  const dir = tempDir(t, 'e2e')
  let values: InstallerValues | undefined
  const { server, observed } = await startAgentServer(t, () => values?.agentToken ?? '')
  values = installerValues(server.apiBaseUrl)
  const home = join(dir, 'home')
  mkdirSync(home)
  const result = await runInstaller(renderInstaller(values), { HOME: home }, dir)

  t.equal(result.code, 0, 'the installer exits 0', { stderr: result.stderr })
  t.same(JSON.parse(result.stdout), SPEC, 'the agent printed the spec the server sent')

  const install = join(home, '.openapp-lan-agent')
  const bin = join(install, 'bin', `lan-agent-${agent.version}`)
  t.ok(readFileSync(bin).equals(agent.files.get(BUILD) ?? Buffer.alloc(0)),
    'the verified build is installed under bin/lan-agent-<version>')
  t.equal(statSync(bin).mode & 0o777, 0o700, 'the agent is executable by its owner only')
  t.equal(readlinkSync(join(install, 'bin', 'lan-agent')), `lan-agent-${agent.version}`,
    'bin/lan-agent links to the versioned build')
  const tokenFile = join(install, 'token')
  t.equal(statSync(tokenFile).mode & 0o777, 0o600, 'the token file has mode 0600')
  t.equal(readFileSync(tokenFile, 'utf8'), `${values.agentToken}\n`, 'the token file holds it')
  const config = readFileSync(join(install, 'config'), 'utf8')
  t.match(config, `\nAPI_BASE_URL='${server.apiBaseUrl}'\n`, 'config has the base URL')
  t.match(config, `\nORG_ID='${ORG_A}'\n`, 'config has the org')
  t.notOk(config.includes(values.agentToken), 'the config file does not hold the token')
  t.same(leftovers(install), [], 'no temporary file is left behind')

  const specRequests = server.requests.filter((r) => r.path.endsWith('/task-spec'))
  t.equal(specRequests.length, 1, 'one task-spec request')
  const request = specRequests[0]
  t.equal(request?.headers.authorization, `Bearer ${values.agentToken}`, 'the agent sent the JWT')
  t.equal(request?.headers['x-org'], ORG_A, 'the agent sent X-Org')
  t.same(JSON.parse(request?.body ?? 'null'), {
    lan_protocol_version: 2,
    task_id: 'waveshare.sync',
    payload: { device_id: 'door-1', agent_version: agent.version },
  }, 'the request body')

  if (canScanProcesses) {
    t.ok(observed.sawAgentCurl, 'the scan saw the agent curl while its request was held')
    t.same(observed.holders, [], 'no process held the token while a request was held')
    t.ok((result.watched?.scans ?? 0) > 0, `${result.watched?.scans} scans during the run`)
    t.same(result.watched?.holders, [], 'no argv or environment ever held the token')
  }
})

t.test('a second run reinstalls in place and resets the token file mode', async (t) => {
  const dir = tempDir(t, 'rerun')
  let values: InstallerValues | undefined
  const { server } = await startAgentServer(t, () => values?.agentToken ?? '')
  values = installerValues(server.apiBaseUrl)
  const install = join(dir, 'agent')
  const env = { HOME: dir, LAN_AGENT_HOME: install }
  const script = renderInstaller(values)

  const first = await runInstaller(script, env, dir)
  t.equal(first.code, 0, 'first run exits 0', { stderr: first.stderr })
  chmodSync(join(install, 'token'), 0o644)
  writeFileSync(join(install, 'token'), 'stale')
  const second = await runInstaller(script, env, dir)
  t.equal(second.code, 0, 'second run exits 0', { stderr: second.stderr })
  t.equal(statSync(join(install, 'token')).mode & 0o777, 0o600, 'the token is 0600 again')
  t.equal(readFileSync(join(install, 'token'), 'utf8'), `${values.agentToken}\n`,
    'the token was replaced')
  t.same(readdirSync(join(install, 'bin')).sort(), ['lan-agent', `lan-agent-${agent.version}`],
    'still one build and one link')
  t.ok(lstatSync(join(install, 'bin', 'lan-agent')).isSymbolicLink(), 'lan-agent is a link')
})

t.test('a tampered download is deleted and nothing is run', async (t) => {
  const dir = tempDir(t, 'tamper')
  let values: InstallerValues | undefined
  const { server } = await startAgentServer(t, () => values?.agentToken ?? '', { tamper: true })
  values = installerValues(server.apiBaseUrl)
  const install = join(dir, 'agent')
  const result = await runInstaller(renderInstaller(values), { HOME: dir, LAN_AGENT_HOME: install },
    dir)

  t.not(result.code, 0, 'the installer fails')
  t.match(result.stderr, new RegExp(`checksum mismatch for ${BUILD}`), 'it says why')
  t.same(server.requests.map((r) => r.method), ['GET'], 'only the download reached the server')
  t.notOk(existsSync(join(install, 'bin', `lan-agent-${agent.version}`)), 'no build installed')
  t.notOk(existsSync(join(install, 'bin', 'lan-agent')), 'no link created')
  t.notOk(existsSync(join(install, 'token')), 'no token written')
  t.same(leftovers(install), [], 'the bad download was deleted')
  t.notOk(existsSync(join(dir, 'pwned')), 'the tampered bytes never ran')
})

t.test('a dry run prints the plan, writes nothing and sends nothing', async (t) => {
  const dir = tempDir(t, 'dry')
  const { server } = await startAgentServer(t, () => '')
  const values = installerValues(server.apiBaseUrl)
  const install = join(dir, 'agent')
  const result = await runInstaller(renderInstaller(values),
    { HOME: dir, LAN_AGENT_HOME: install, LAN_AGENT_DRY_RUN: '1' }, dir)

  t.equal(result.code, 0, 'the dry run exits 0', { stderr: result.stderr })
  t.match(result.stdout, /dry run/, 'it says it is a dry run')
  t.match(result.stdout, `  platform:     ${BUILD}\n`, 'it names the platform')
  t.match(result.stdout, `  download:     ${values.agentDownloadBaseUrl}/${BUILD}\n`,
    'it names the download URL')
  t.match(result.stdout, `  install dir:  ${install}\n`, 'it names the install directory')
  t.match(result.stdout, `  task:         ${install}/bin/lan-agent run waveshare.sync\n`,
    'it names the task')
  t.notOk(existsSync(install), 'no directory was created')
  t.same(server.requests, [], 'no request was sent')
})

t.test('a serve installer starts the agent polling the task list', async (t) => {
  const dir = tempDir(t, 'serve')
  let values: InstallerValues | undefined
  const { server } = await startAgentServer(t, () => values?.agentToken ?? '',
    { taskIds: ['t-1', 't-2'] })
  values = installerValues(server.apiBaseUrl, { taskId: 'serve' })
  const result = await runInstaller(renderInstaller(values),
    { HOME: dir, LAN_AGENT_HOME: join(dir, 'agent'), LAN_AGENT_SERVE_ONCE: '1' }, dir)

  t.equal(result.code, 0, 'exits 0 after one poll', { stderr: result.stderr })
  t.equal(result.stdout, 't-1\nt-2\n', 'each task id is printed')
  const poll = server.requests.find((r) => r.path.endsWith('/lan-agent/tasks'))
  t.equal(poll?.headers.authorization, `Bearer ${values.agentToken}`, 'the poll is authenticated')
})

t.test('a hostile device id survives installer, config file and agent intact', async (t) => {
  const dir = tempDir(t, 'roundtrip')
  let values: InstallerValues | undefined
  const { server } = await startAgentServer(t, () => values?.agentToken ?? '')
  const deviceId = `it's "x" \\ \\' & $(touch pwned) \`touch pwned\` é😀`
  values = installerValues(server.apiBaseUrl, { deviceId })
  const result = await runInstaller(renderInstaller(values),
    { HOME: dir, LAN_AGENT_HOME: join(dir, 'agent') }, dir)

  t.equal(result.code, 0, 'exits 0', { stderr: result.stderr })
  const request = server.requests.find((r) => r.path.endsWith('/task-spec'))
  t.match(JSON.parse(request?.body ?? 'null'), { payload: { device_id: deviceId } },
    'the server received the device id unchanged')
  t.notOk(existsSync(join(dir, 'pwned')), 'nothing in it ran')
})

t.test('the installer exits with the status of the agent it ran', async (t) => {
  const dir = tempDir(t, 'status')
  let values: InstallerValues | undefined
  const { server } = await startAgentServer(t, () => values?.agentToken ?? '', { specStatus: 403 })
  values = installerValues(server.apiBaseUrl)
  const result = await runInstaller(renderInstaller(values),
    { HOME: dir, LAN_AGENT_HOME: join(dir, 'agent') }, dir)

  t.equal(result.code, 1, 'the agent failed with 1, and so does the installer')
  t.match(result.stderr, /not allowed for this organisation\/integration/, "the agent's reason")
  t.ok(existsSync(join(dir, 'agent', 'token')), 'the install itself completed')
})
