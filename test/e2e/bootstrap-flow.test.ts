import { existsSync, readdirSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { childEnv, runProcess, tempDir, watchProcesses } from '../fixtures/installer/processes.js'
import { requireRedis, randomPrefix, REDIS_URL, testRedisClient } from '../fixtures/redis.js'
import { ALICE, INT_A1, ORG_A } from '../fixtures/seed.js'
import { startServerProcess, type ServerProcess } from '../fixtures/server-process.js'

const TASK = '01KDVDNA00000000000000TASK'

async function mint(server: ServerProcess, body: Record<string, unknown>): Promise<string> {
  const reply = await fetch(`${server.origin}/api/v1/lan-agent/cli/bootstrap-token`, {
    method: 'POST',
    headers: { ...ALICE, 'content-type': 'application/json' },
    body: JSON.stringify({ api_base_url: `${server.origin}/api/v1`, ...body }),
  })
  if (reply.status !== 200) throw new Error(`mint failed: ${reply.status} ${await reply.text()}`)
  return ((await reply.json()) as { bootstrap_key: string }).bootstrap_key
}

/** `curl <flags> "$URL" | <shell>` with a fresh HOME, as a person provisioning an agent runs it. */
function curlPipe(t: Test, url: string, options: { flags?: string; shell?: string; env?: Record<string, string> } = {}) {
  const home = tempDir(t, 'home')
  const pipeline = `set -o pipefail; curl ${options.flags ?? '-fsSL'} "$BOOTSTRAP_URL" | ${options.shell ?? 'bash'}`
  const done = runProcess('bash', {
    args: ['-c', pipeline],
    env: childEnv({ HOME: home, BOOTSTRAP_URL: url, ...options.env }),
  })
  return { home, done }
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true }).map(String).sort()
}

async function flow(t: Test, server: ServerProcess) {
  const base = `${server.origin}/api/v1`
  const scriptUrl = (key: string) => `${base}/lan-agent/cli/bootstrap.sh?key=${key}`

  await t.test('curl | bash installs the agent, which fetches and prints its task spec', async (t) => {
    const key = await mint(server, { task_id: TASK, integration_id: INT_A1, device_id: 'door-1' })
    const script = await (await fetch(scriptUrl(key))).text()
    const token = /AGENT_TOKEN='([^']+)'/.exec(script)?.[1] ?? ''
    t.ok(token.length > 100, 'the script embeds an agent token')
    const run = curlPipe(t, scriptUrl(key))
    const watch = await watchProcesses(token, run.done)
    const result = await run.done
    t.equal(result.code, 0, 'bash exits 0', { stderr: result.stderr })
    const spec = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}')
    t.match(spec, { lan_protocol_version: 2, task_id: TASK, spec: { task_id: TASK, integration_id: INT_A1 } },
      'the agent printed the spec the server stored')
    const agentHome = join(run.home, '.openapp-lan-agent')
    t.equal(statSync(join(agentHome, 'token')).mode & 0o777, 0o600, 'token file is 0600')
    t.ok(watch.scans > 0, `scanned /proc ${watch.scans} times while it ran`)
    t.same(watch.holders, [], 'no process ever held the token in argv or environment')
    const tasks = await fetch(`${base}/integrations/${INT_A1}/lan-agent/tasks`, {
      headers: { ...ALICE, 'x-org': ORG_A },
    })
    t.ok(((await tasks.json()) as { task_ids: string[] }).task_ids.includes(TASK), 'task is queued')
  })

  await t.test('LAN_AGENT_DRY_RUN=1 prints the plan and writes nothing', async (t) => {
    const key = await mint(server, { task_id: TASK, integration_id: INT_A1 })
    const run = curlPipe(t, scriptUrl(key), { env: { LAN_AGENT_DRY_RUN: '1' } })
    const result = await run.done
    t.equal(result.code, 0, 'exits 0')
    t.match(result.stdout + result.stderr, /lan-agent-linux-/, 'the plan names the build')
    t.same(listFiles(run.home), [], 'HOME is untouched')
  })

  await t.test('serve runs the long-running agent', async (t) => {
    const key = await mint(server, { task_id: 'serve', integration_id: INT_A1 })
    const run = curlPipe(t, scriptUrl(key), { env: { LAN_AGENT_SERVE_ONCE: '1' } })
    const result = await run.done
    t.equal(result.code, 0, 'exits 0', { stderr: result.stderr })
    t.match(result.stdout, TASK, 'serve lists the queued task')
  })

  await t.test('an expired key: 401, and the body run by bash explains why', async (t) => {
    const key = await mint(server, { task_id: TASK, integration_id: INT_A1 })
    // The server clock is not reachable from here without the admin API, so an unknown key
    // stands in; both are the same 401 path (the route tests move the clock for expiry).
    const unknown = `${key.slice(0, 20)}ZZZZZZ`
    const strict = await runProcess('bash', {
      args: ['-c', `curl -fsS "${scriptUrl(unknown)}" >/dev/null`], env: childEnv({}),
    })
    t.not(strict.code, 0, 'curl -f fails on the 401')
    const run = curlPipe(t, scriptUrl(unknown), { flags: '-sS' })
    const result = await run.done
    t.not(result.code, 0, 'the error body exits non-zero under bash')
    t.match(result.stderr, /HTTP 401.*bootstrap_key_rejected/, 'with the reason on stderr')
    t.same(listFiles(run.home), [], 'nothing installed')
  })

  await t.test('piped into sh: a clear refusal', async (t) => {
    const key = await mint(server, { task_id: TASK, integration_id: INT_A1 })
    const run = curlPipe(t, scriptUrl(key), { shell: 'dash' })
    const result = await run.done
    t.equal(result.code, 1, 'exits 1')
    t.match(result.stderr, /bash/, 'says to run it with bash')
    t.notMatch(result.stderr, /syntax error/i, 'not a syntax error halfway through')
  })
}

t.test('embedded store', async (t) => {
  const server = await startServerProcess(t)
  await flow(t, server)
  t.equal(await server.stop(), 0, 'the server exits 0 on SIGTERM')
})

t.test('redis store', async (t) => {
  if (!(await requireRedis(t))) return
  const prefix = randomPrefix()
  testRedisClient(t, prefix)
  const server = await startServerProcess(t, { REDIS_URL, REDIS_KEY_PREFIX: prefix })
  await flow(t, server)
  t.equal(await server.stop(), 0, 'the server exits 0 on SIGTERM')
})

t.test('a tampered download is refused and nothing runs', async (t) => {
  const honest = await startServerProcess(t)
  const version = ((await (await fetch(`${honest.origin}/api/v1/lan-agent/meta`)).json()) as {
    latest_agent_version: string
  }).latest_agent_version
  const sums = await (await fetch(`${honest.origin}/api/v1/lan-agent/dist/${version}/SHA256SUMS`)).text()
  let taskSpecCalls = 0
  // A mirror that serves the honest SHA256SUMS but altered agent bytes.
  const mirror: Server = createServer((request, response) => {
    if (request.url?.endsWith('/SHA256SUMS')) return void response.end(sums)
    if (request.url?.includes('task-spec')) taskSpecCalls += 1
    response.end('#!/usr/bin/env bash\necho pwned > "$HOME/pwned"\n')
  })
  await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => mirror.close(() => resolve())))
  const address = mirror.address()
  const mirrorUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/agents`
  const server = await startServerProcess(t, { AGENT_DOWNLOAD_BASE_URL: mirrorUrl })
  const key = await mint(server, { task_id: TASK, integration_id: INT_A1 })
  const run = curlPipe(t, `${server.origin}/api/v1/lan-agent/cli/bootstrap.sh?key=${key}`)
  const result = await run.done
  t.not(result.code, 0, 'the installer fails')
  t.match(result.stderr, /checksum|SHA-256|sha256/i, 'and says the checksum did not match')
  t.notOk(existsSync(join(run.home, 'pwned')), 'the tampered agent never ran')
  const installed = listFiles(join(run.home, '.openapp-lan-agent', 'bin'))
  t.same(installed, [], 'nothing was installed')
  t.equal(taskSpecCalls, 0, 'no task was fetched')
})
