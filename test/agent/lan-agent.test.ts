import { spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import t from 'tap'
import { REFERENCE_AGENT_VERSION } from '../../src/agent/dist.js'
import { AGENT_SCRIPT, writeAgentHome } from '../fixtures/installer/agent-home.js'
import {
  canScanProcesses,
  childEnv,
  runProcess,
  scanProcesses,
  tempDir,
} from '../fixtures/installer/processes.js'
import { json, startStubServer, type StubHandler } from '../fixtures/installer/stub-server.js'
import { fakeJwt, INT_A1, ORG_A } from '../fixtures/installer/values.js'
import { BASH, needs, SHELLCHECK } from '../fixtures/installer/tools.js'

const SPEC_PATH = `/api/v1/integrations/${INT_A1}/lan-agent/task-spec`
const TASKS_PATH = `/api/v1/integrations/${INT_A1}/lan-agent/tasks`

function runAgent(home: string, args: string[], env: Record<string, string> = {}) {
  return runProcess(BASH, {
    args: [AGENT_SCRIPT, ...args],
    env: childEnv({ HOME: home, LAN_AGENT_HOME: home, ...env }),
    cwd: home,
  })
}

/** A stub server plus an agent home pointing at it; both are removed after the test. */
async function setup(
  t: { teardown(fn: () => unknown): void },
  handler: StubHandler,
  config: Omit<Parameters<typeof writeAgentHome>[1], 'API_BASE_URL'> = {},
) {
  const server = await startStubServer(handler)
  t.teardown(() => server.close())
  const dir = tempDir(t, 'agent')
  const token = fakeJwt()
  const home = writeAgentHome(dir, { API_BASE_URL: server.apiBaseUrl, ...config }, token)
  return { server, dir, home, token }
}

t.test('--version prints the version dist.ts serves', async (t) => {
  const dir = tempDir(t, 'version')
  const result = await runAgent(dir, ['--version'])
  t.equal(result.code, 0, 'exit 0')
  t.equal(result.stdout, `${REFERENCE_AGENT_VERSION}\n`, 'the version and nothing else')
})

t.test('the agent script passes shellcheck', needs(SHELLCHECK), async (t) => {
  t.ok(existsSync(SHELLCHECK), `${SHELLCHECK} is installed (required on CI)`)
  const result = spawnSync(SHELLCHECK, [AGENT_SCRIPT], { encoding: 'utf8' })
  t.equal(result.status, 0, 'no findings', { stdout: result.stdout })
})

t.test('usage errors exit 2', async (t) => {
  const dir = tempDir(t, 'usage')
  for (const args of [[], ['run'], ['run', 'a', 'b'], ['serve', 'x'], ['fly']]) {
    const result = await runAgent(dir, args)
    t.equal(result.code, 2, `lan-agent ${args.join(' ')} exits 2`)
    t.match(result.stderr, /usage: lan-agent run <task_id>/, 'and shows the usage')
  }
})

t.test('run posts the task-spec request and prints the reply', async (t) => {
  const reply = { lan_protocol_version: 2, task_id: 'waveshare.sync', spec: { a: [1, 'x'] } }
  const { server, home, token } = await setup(t, () => json(200, reply))
  const result = await runAgent(home, ['run', 'waveshare.sync'])

  t.equal(result.code, 0, 'exit 0', { stderr: result.stderr })
  t.same(JSON.parse(result.stdout), reply, 'stdout is the reply body')
  t.equal(server.requests.length, 1, 'one request')
  const request = server.requests[0]
  t.equal(request?.method, 'POST', 'a POST')
  t.equal(request?.path, SPEC_PATH, 'to the integration task-spec path')
  t.equal(request?.headers.authorization, `Bearer ${token}`, 'with the token as bearer')
  t.equal(request?.headers['x-org'], ORG_A, 'with X-Org')
  t.equal(request?.headers['content-type'], 'application/json', 'with a JSON content type')
  t.match(request?.headers['user-agent'], `openapp-lan-agent/${REFERENCE_AGENT_VERSION}`,
    'naming itself')
  t.same(JSON.parse(request?.body ?? 'null'), {
    lan_protocol_version: 2,
    task_id: 'waveshare.sync',
    payload: { device_id: 'door-1', agent_version: REFERENCE_AGENT_VERSION },
  }, 'the body the contract describes')
})

t.test('hostile task and device ids reach the server intact and run nothing', async (t) => {
  const { server, dir, home } = await setup(t, () => json(200, {}), {
    DEVICE_ID: `it's "$(touch pwned)" \`touch pwned\` \\ \\' é😀 \${HOME} %s`,
  })
  const task = `t"\\\t\u0001\u007f'$(touch pwned)é`
  const result = await runAgent(home, ['run', task])
  t.equal(result.code, 0, 'exit 0', { stderr: result.stderr })
  const body = JSON.parse(server.requests[0]?.body ?? 'null') as {
    task_id: string
    payload: { device_id: string }
  }
  t.equal(body.task_id, task, 'the task id, with quotes, backslash and controls, is exact')
  t.equal(body.payload.device_id,
    `it's "$(touch pwned)" \`touch pwned\` \\ \\' é😀 \${HOME} %s`,
    'the device id read back from the config file is exact')
  t.notOk(existsSync(join(dir, 'pwned')) || existsSync(join(home, 'pwned')), 'nothing ran')
})

t.test('an empty device and org send null and no X-Org header', async (t) => {
  const { server, home } = await setup(t, () => json(200, {}), { DEVICE_ID: '', ORG_ID: '' })
  const result = await runAgent(home, ['run', 'x'])
  t.equal(result.code, 0, 'exit 0', { stderr: result.stderr })
  const request = server.requests[0]
  t.equal(request?.headers['x-org'], undefined, 'no X-Org header')
  t.match(JSON.parse(request?.body ?? 'null'), { payload: { device_id: null } }, 'device_id null')
})

const FAILURES: Array<[string, number, unknown, RegExp[]]> = [
  ['401', 401, { message: 'expired', error_code: 'token_invalid' },
    [/token rejected or expired/]],
  ['403', 403, { message: 'nope', error_code: 'forbidden' },
    [/not allowed for this organisation\/integration/]],
  ['426 with an upgrade URL', 426, {
    message: 'too old',
    error_code: 'lan_protocol_too_old',
    min_lan_protocol_version: 3,
    lan_protocol_version: 3,
    upgrade_download_url: 'https://example.test/agent/0.2.0',
  }, [/needs LAN protocol 3 or newer, this agent speaks 2/, /from https:\/\/example\.test\/agent/]],
  ['426 without one', 426, {
    message: 'too old',
    error_code: 'lan_protocol_too_old',
    min_lan_protocol_version: 3,
    upgrade_download_url: null,
  }, [/needs LAN protocol 3 or newer/, /run the installer again/]],
  ['500', 500, { message: 'Internal Server Error', error_code: 'internal' },
    [/HTTP 500: Internal Server Error/]],
  ['404', 404, { message: 'Integration not found', error_code: 'not_found' },
    [/HTTP 404: Integration not found/]],
]

for (const [name, status, body, messages] of FAILURES) {
  t.test(`run exits non-zero with a clear message on ${name}`, async (t) => {
    const { home } = await setup(t, () => json(status, body))
    const result = await runAgent(home, ['run', 'x'])
    t.equal(result.code, 1, 'exit 1')
    t.equal(result.stdout, '', 'nothing on stdout')
    for (const message of messages) t.match(result.stderr, message, `stderr matches ${message}`)
  })
}

t.test('run fails clearly when the server cannot be reached', async (t) => {
  const { server, home } = await setup(t, () => json(200, {}))
  await server.close()
  const result = await runAgent(home, ['run', 'x'])
  t.equal(result.code, 1, 'exit 1')
  t.match(result.stderr, /no reply from http:\/\/127\.0\.0\.1:\d+\/api\/v1\/integrations\//,
    'says the server did not answer')
})

t.test('run needs an integration', async (t) => {
  const { server, home } = await setup(t, () => json(200, {}), { INTEGRATION_ID: '' })
  const result = await runAgent(home, ['run', 'x'])
  t.equal(result.code, 1, 'exit 1')
  t.match(result.stderr, /needs an integration/, 'says why')
  t.same(server.requests, [], 'sends nothing')
})

t.test('a missing or malformed config is refused without running it', async (t) => {
  const { dir, home } = await setup(t, () => json(200, {}))
  const configFile = join(home, 'config')
  const bad = [
    `API_BASE_URL=http://x/$(touch ${join(dir, 'pwned')})\n`,
    `API_BASE_URL='http://x'\nDEVICE_ID='a'b'\n`,
    `API_BASE_URL='http://x'\nINTEGRATION_ID='../../x'\n`,
    `API_BASE_URL='file:///etc/passwd'\n`,
    `API_BASE_URL='http://x'\nLAN_PROTOCOL_VERSION='2; id'\n`,
  ]
  for (const config of bad) {
    writeFileSync(configFile, config)
    const result = await runAgent(home, ['run', 'x'])
    t.equal(result.code, 1, `refused: ${JSON.stringify(config)}`)
    t.match(result.stderr, /config/, 'the message names the config file')
  }
  t.notOk(existsSync(join(dir, 'pwned')), 'no config line was executed')

  const empty = tempDir(t, 'no-config')
  const missing = await runAgent(empty, ['run', 'x'])
  t.equal(missing.code, 1, 'no config: exit 1')
  t.match(missing.stderr, /no config at .*run the installer first/, 'says what to do')
})

t.test('the token never appears on a command line', { skip: !canScanProcesses && 'no /proc' },
  async (t) => {
    const holders: string[] = []
    let sawCurl = false
    let token = ''
    const { home, token: minted } = await setup(t, async () => {
      // curl is blocked on this reply, so it is alive while /proc is read.
      for (let i = 0; i < 20; i++) {
        const scan = scanProcesses(token)
        holders.push(...scan.holders)
        sawCurl ||= scan.commandLines.includes('curl --config -')
        await yieldToLoop()
      }
      return json(200, {})
    })
    token = minted
    const result = await runAgent(home, ['run', 'x'])
    t.equal(result.code, 0, 'exit 0', { stderr: result.stderr })
    t.ok(sawCurl, 'curl ran as `curl --config -` and was seen')
    t.same(holders, [], 'no argv or environment held the token')
  })

t.test('serve with LAN_AGENT_SERVE_ONCE=1 prints the task ids of one poll', async (t) => {
  const { server, home, token } = await setup(t, () => json(200, { task_ids: ['a', 'b.c:d-1'] }))
  const result = await runAgent(home, ['serve'], { LAN_AGENT_SERVE_ONCE: '1' })
  t.equal(result.code, 0, 'exit 0', { stderr: result.stderr })
  t.equal(result.stdout, 'a\nb.c:d-1\n', 'one id per line')
  t.equal(server.requests[0]?.method, 'GET', 'a GET')
  t.equal(server.requests[0]?.path, TASKS_PATH, 'of the task list')
  t.equal(server.requests[0]?.headers.authorization, `Bearer ${token}`, 'authenticated')
})

t.test('serve prints each new task id once and survives a failed poll', async (t) => {
  const polls = [
    json(200, { task_ids: ['a', 'b'] }),
    json(503, { message: 'unavailable' }),
    json(200, { task_ids: ['a', 'b', 'c'] }),
    json(200, { task_ids: ['c', 'd'] }),
    json(200, { task_ids: [] }),
    json(401, { message: 'expired' }),
  ]
  const { server, home } = await setup(t, () => polls.shift() ?? json(401, {}))
  const result = await runAgent(home, ['serve'], { LAN_AGENT_POLL_SECONDS: '0.01' })
  t.equal(result.stdout, 'a\nb\nc\nd\n', 'every id once, in order of appearance')
  t.match(result.stderr, /warning: task list: HTTP 503; retrying/, 'the 503 was a warning')
  t.equal(result.code, 1, 'the 401 ends the loop with exit 1')
  t.match(result.stderr, /token rejected or expired/, 'and says why')
  t.equal(server.requests.length, 6, 'six polls')
})

t.test('serve without an integration polls meta as a heartbeat', async (t) => {
  const { server, home } = await setup(t, () => json(200, { lan_protocol_version: 2 }),
    { INTEGRATION_ID: '' })
  const result = await runAgent(home, ['serve'], { LAN_AGENT_SERVE_ONCE: '1' })
  t.equal(result.code, 0, 'exit 0', { stderr: result.stderr })
  t.equal(result.stdout, '', 'no task ids')
  t.equal(server.requests[0]?.path, '/api/v1/lan-agent/meta', 'it read meta')
  t.equal(server.requests[0]?.headers.authorization, undefined, 'without sending the token')
})

t.test('serve refuses a poll interval that is not a positive number', async (t) => {
  const { home, server } = await setup(t, () => json(200, { task_ids: [] }))
  for (const value of ['0', 'abc', '-1', '1e3', '0.0']) {
    const result = await runAgent(home, ['serve'], { LAN_AGENT_POLL_SECONDS: value })
    t.equal(result.code, 1, `LAN_AGENT_POLL_SECONDS=${value} exits 1`)
    t.match(result.stderr, /LAN_AGENT_POLL_SECONDS must be a positive number/, 'and says why')
  }
  t.same(server.requests, [], 'no poll was sent')
})
