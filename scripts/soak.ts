/**
 * Soak: a fixed mix of every operation against a server on Redis for a bounded time, then
 * requests, errors, p50/p99 latency and the server's memory at start and end.
 *
 *   npm run soak                       own Redis (a redis-server on a free port) and own server
 *   npm run soak -- --duration 30      seconds of load (default 60)
 *   npm run soak -- --redis-url redis://127.0.0.1:6379   own server on that Redis
 *   npm run soak -- --url http://127.0.0.1:4455 [--pid <server pid>]   a running server
 *
 * Rate-limited operations (agent tokens, bootstrap keys, installer downloads) run in a paced
 * lane below the default limits, so any 429 is an error. Exit status 1 when there were errors.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'

const ORG_A = '01KDVDNA00C1T4BQYG24SAJ1Q4'
const ORG_B = '01KDVDNA00ZPKVKJBMS3PDFETK'
const INT_A1 = '01KDVDNA00A16HRSRAQGE38V56'
const INT_A2 = '01KDVDNA00R2ZENW3JS1G3RFTX'
const INT_B1 = '01KDVDNA001FN5D9ZWRW9JC0SS'
const KEYS = { alice: 'dev-alice-key', bob: 'dev-bob-key', carol: 'dev-carol-key' }
const apiKey = (secret: string) => ({ 'x-api-key': `http://localhost:4455_openapp_${secret}` })
/** Task ids per integration: updates after the first round keep the queues bounded. */
const TASK_POOL = 500

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '16' },
    url: { type: 'string' },
    pid: { type: 'string' },
    'redis-url': { type: 'string' },
  },
})
const durationMs = Number(args.duration) * 1000
const connections = Number(args.connections)

interface Op {
  name: string
  weight: number
  expect: number
  send: (base: string) => Promise<Response>
}

interface Stat {
  count: number
  errors: number
  statuses: Record<string, number>
  ms: number[]
}

const stats = new Map<string, Stat>()
const errorSamples: string[] = []

async function measure(op: Op, base: string): Promise<void> {
  const stat = stats.get(op.name) ?? { count: 0, errors: 0, statuses: {}, ms: [] }
  stats.set(op.name, stat)
  const started = performance.now()
  let status = 'no reply'
  let detail = ''
  try {
    const response = await op.send(base)
    status = String(response.status)
    detail = await response.text()
  } catch (error) {
    detail = (error as Error).message
  }
  stat.ms.push(performance.now() - started)
  stat.count += 1
  stat.statuses[status] = (stat.statuses[status] ?? 0) + 1
  if (status !== String(op.expect)) {
    stat.errors += 1
    if (errorSamples.length < 10) errorSamples.push(`${op.name}: ${status} ${detail.slice(0, 200)}`)
  }
}

const post = (url: string, headers: Record<string, string>, body?: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })

function taskSpec(base: string, integration: string, org: string, headers: Record<string, string>) {
  const taskId = `soak-${Math.floor(Math.random() * TASK_POOL)}`
  return post(
    `${base}/api/v1/integrations/${integration}/lan-agent/task-spec`,
    { ...headers, 'x-org': org },
    { task_id: taskId, lan_protocol_version: 2, payload: { at: Date.now(), pad: 'x'.repeat(200) } },
  )
}

const tasks = (base: string, integration: string, org: string, headers: Record<string, string>) =>
  fetch(`${base}/api/v1/integrations/${integration}/lan-agent/tasks`, {
    headers: { ...headers, 'x-org': org },
  })

const op = (name: string, weight: number, expect: number, send: Op['send']): Op =>
  ({ name, weight, expect, send })

/** The steady mix: everything that is not rate limited, weighted like a busy staging day. */
function fastOps(jwts: Record<string, string>): Op[] {
  const bearer = (who: keyof typeof KEYS) => ({ authorization: `Bearer ${jwts[who]}` })
  const [alice, carol] = [apiKey(KEYS.alice), apiKey(KEYS.carol)]
  const session = { cookie: 'ory_kratos_session=dev-alice-session' }
  const oldProtocol = { task_id: 'old', lan_protocol_version: 1, payload: null }
  return [
    op('meta', 10, 200, (b) => fetch(`${b}/api/v1/lan-agent/meta`)),
    op('readyz', 2, 200, (b) => fetch(`${b}/readyz`)),
    op('jwks', 2, 200, (b) => fetch(`${b}/.well-known/jwks.json`)),
    op('task-spec (api key)', 20, 200, (b) => taskSpec(b, INT_A1, ORG_A, alice)),
    op('task-spec (agent jwt)', 10, 200, (b) => taskSpec(b, INT_B1, ORG_B, bearer('bob'))),
    op('task-spec (session)', 5, 200, (b) => taskSpec(b, INT_A2, ORG_A, session)),
    op('tasks (api key)', 15, 200, (b) => tasks(b, INT_A1, ORG_A, carol)),
    op('tasks (agent jwt)', 10, 200, (b) => tasks(b, INT_B1, ORG_B, bearer('carol'))),
    op('401 bad key', 3, 401, (b) => tasks(b, INT_A1, ORG_A, apiKey('nope'))),
    op('403 other org', 3, 403, (b) => tasks(b, INT_B1, ORG_B, alice)),
    op('404 other integration', 3, 404, (b) => tasks(b, INT_B1, ORG_A, alice)),
    op('426 old protocol', 2, 426, (b) =>
      post(`${b}/api/v1/integrations/${INT_A1}/lan-agent/task-spec`, { ...alice, 'x-org': ORG_A },
        oldProtocol),
    ),
    op('404 no route', 2, 404, (b) => fetch(`${b}/api/v1/nothing-here`)),
  ]
}

/** Rate-limited operations, one a second in turn: below every default limit. */
function pacedOps(hasBootstrap: boolean): Op[] {
  const users = Object.values(KEYS)
  let turn = 0
  const ops: Op[] = [
    {
      name: 'cli/token',
      weight: 1,
      expect: 200,
      send: (b) => post(`${b}/api/v1/lan-agent/cli/token`, apiKey(users[turn++ % users.length]!)),
    },
  ]
  if (!hasBootstrap) return ops
  let minter = 0
  ops.push({
    name: 'bootstrap-token + bootstrap.sh',
    weight: 1,
    expect: 200,
    send: async (b) => {
      // Users in turn: one user alone would sit right at RATE_LIMIT_MINT_PER_USER.
      const user = apiKey(users[minter++ % users.length]!)
      const minted = await post(`${b}/api/v1/lan-agent/cli/bootstrap-token`, user, {
        task_id: 'serve',
        api_base_url: `${b}/api/v1`,
      })
      if (minted.status !== 200) return minted
      const { bootstrap_key: key } = (await minted.json()) as { bootstrap_key: string }
      return fetch(`${b}/api/v1/lan-agent/cli/bootstrap.sh?key=${key}`)
    },
  })
  return ops
}

function pick(ops: Op[]): Op {
  const total = ops.reduce((sum, op) => sum + op.weight, 0)
  let roll = Math.random() * total
  for (const op of ops) {
    roll -= op.weight
    if (roll < 0) return op
  }
  return ops[ops.length - 1]!
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function rssKiB(pid: number): number | null {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
  } catch {
    return null
  }
}

const cleanups: (() => Promise<void> | void)[] = []

async function ownRedis(): Promise<string> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'lan-agent-soak-redis-'))
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
      '--appendonly', 'yes', '--appendfsync', 'everysec'],
    { stdio: 'ignore' },
  )
  cleanups.push(async () => {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
    rmSync(dir, { recursive: true, force: true })
  })
  const url = `redis://127.0.0.1:${port}`
  await until('redis-server', async () => {
    const probe = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    probe.on('error', () => {})
    try {
      await probe.connect()
      return (await probe.ping()) === 'PONG'
    } finally {
      probe.disconnect()
    }
  })
  return url
}

async function ownServer(redisUrl: string): Promise<{ base: string; child: ChildProcess }> {
  const port = await freePort()
  const prefix = `soak-${randomBytes(4).toString('hex')}:`
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      // The soak calls as the dev seed's users: production refuses that seed unless told to.
      ALLOW_DEV_SEED: 'true',
      HOST: '127.0.0.1',
      PORT: String(port),
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  cleanups.unshift(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
    }
    const client = new Redis(redisUrl)
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      if (keys.length > 0) await client.del(...keys)
      cursor = next
    } while (cursor !== '0')
    client.disconnect()
  })
  const base = `http://127.0.0.1:${port}`
  await until('the server', async () => (await fetch(`${base}/readyz`)).ok).catch((error) => {
    throw new Error(`${(error as Error).message}\n${stderr}`)
  })
  return { base, child }
}

async function main(): Promise<number> {
  let base = args.url?.replace(/\/+$/, '')
  let pid = args.pid ? Number(args.pid) : undefined
  let server: ChildProcess | undefined
  if (!base) {
    const redisUrl = args['redis-url'] ?? process.env.REDIS_URL ?? (await ownRedis())
    const own = await ownServer(redisUrl)
    base = own.base
    server = own.child
    pid = own.child.pid
  }
  const jwts: Record<string, string> = {}
  for (const [who, secret] of Object.entries(KEYS)) {
    const minted = await post(`${base}/api/v1/lan-agent/cli/token`, apiKey(secret))
    jwts[who] = ((await minted.json()) as { access_token: string }).access_token
  }
  const paths = ((await (await fetch(`${base}/api/v1/openapi.json`)).json()) as {
    paths: Record<string, unknown>
  }).paths
  const hasBootstrap = Object.keys(paths).some((path) => path.endsWith('/cli/bootstrap-token'))
  const fast = fastOps(jwts)
  const paced = pacedOps(hasBootstrap)

  // A short warm-up, so "start" memory is that of a running server, not of a fresh one.
  const warmUntil = Date.now() + Math.min(5000, durationMs / 10)
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < warmUntil) await pick(fast).send(base!).then((r) => r.arrayBuffer())
    }),
  )
  const rssStart = pid ? rssKiB(pid) : null
  let rssPeak = rssStart ?? 0
  const rssTrail: number[] = []
  let tick = 0
  const sampler = setInterval(() => {
    const rss = pid ? rssKiB(pid) : null
    if (rss === null) return
    rssPeak = Math.max(rssPeak, rss)
    if ((tick += 1) % 10 === 0) rssTrail.push(rss)
  }, 1000)

  const started = Date.now()
  const end = started + durationMs
  const lanes = Array.from({ length: connections }, async () => {
    while (Date.now() < end) await measure(pick(fast), base!)
  })
  const pacedLane = (async () => {
    for (let i = 0; Date.now() < end; i += 1) {
      const next = started + (i + 1) * 1000
      await measure(paced[i % paced.length]!, base!)
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())))
    }
  })()
  await Promise.all([...lanes, pacedLane])
  const elapsed = (Date.now() - started) / 1000
  clearInterval(sampler)
  const rssEnd = pid ? rssKiB(pid) : null
  rssPeak = Math.max(rssPeak, rssEnd ?? 0)
  if (server) server.kill('SIGTERM')
  const exit = server
    ? await new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)))
    : null

  const all = [...stats.values()]
  const requests = all.reduce((sum, s) => sum + s.count, 0)
  const errors = all.reduce((sum, s) => sum + s.errors, 0)
  const sorted = all.flatMap((s) => s.ms).sort((a, b) => a - b)
  const mib = (kib: number | null) => (kib === null ? 'n/a' : `${(kib / 1024).toFixed(1)} MiB`)
  console.log(`soak: ${elapsed.toFixed(1)} s against ${base}, ${connections} connections + 1 paced`)
  console.log(`requests: ${requests} (${(requests / elapsed).toFixed(0)}/s)`)
  console.log(`errors: ${errors}`)
  const p = (sorted: number[], at: number) => `${percentile(sorted, at).toFixed(1)} ms`
  console.log(`latency: p50 ${p(sorted, 50)}, p99 ${p(sorted, 99)}`)
  const peak = mib(rssPeak || null)
  console.log(`server RSS: start ${mib(rssStart)}, end ${mib(rssEnd)}, peak ${peak}`)
  if (rssTrail.length > 0) {
    const trail = rssTrail.map((kib) => (kib / 1024).toFixed(0)).join(' ')
    console.log(`server RSS every 10 s: ${trail} MiB`)
  }
  if (exit !== null) console.log(`server exit status after SIGTERM: ${exit}`)
  console.log('\nper operation:')
  for (const [name, stat] of stats) {
    const ms = [...stat.ms].sort((a, b) => a - b)
    console.log(
      `  ${name.padEnd(32)} ${String(stat.count).padStart(7)}  p50 ${p(ms, 50)}` +
        `  p99 ${p(ms, 99)}  ${JSON.stringify(stat.statuses)}`,
    )
  }
  if (errorSamples.length > 0) console.log(`\nfirst errors:\n  ${errorSamples.join('\n  ')}`)
  return errors === 0 && (exit === null || exit === 0) ? 0 : 1
}

main()
  .then(async (status) => {
    for (const cleanup of cleanups) await cleanup()
    process.exitCode = status
  })
  .catch(async (error: unknown) => {
    console.error(`soak failed: ${(error as Error).stack ?? error}`)
    for (const cleanup of cleanups) await cleanup()
    process.exitCode = 2
  })
