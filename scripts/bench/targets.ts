// Starting, watching and stopping the processes under test: the server (built output), the bare
// Fastify ceiling and Prism. Each runs as its own process with its output discarded, so no
// target pays for a terminal, and its peak memory is read from /proc.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { resolve } from 'node:path'

export interface Target {
  name: string
  origin: string
  /** Prefix the operations' paths are mounted under (`/api/v1`, or `` on Prism). */
  apiBase: string
  process: ChildProcess
  stop(): Promise<void>
  /** Peak resident memory of the process so far, in MiB (VmHWM), or null once it is gone. */
  peakMemoryMiB(): number | null
  /** CPU time (user + system) the process has used so far, in seconds. */
  cpuSeconds(): number
}

/** Linux reports utime/stime in clock ticks, 100 per second on every common kernel config. */
const CLOCK_TICKS_PER_SECOND = 100

function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND
  } catch {
    return NaN
  }
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer()
    probe.once('error', fail)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => done(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

function statusField(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
    return match ? Number(match[1]) / 1024 : null
  } catch {
    return null
  }
}

const running = new Set<ChildProcess>()

/** Ends every target still running; called on normal exit and on Ctrl-C alike. */
export function stopAll(): void {
  for (const child of running) child.kill('SIGKILL')
  running.clear()
}

async function waitReady(url: string, child: ChildProcess, name: string, seconds = 60) {
  const deadline = Date.now() + seconds * 1000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`)
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (response) => response.ok,
      () => false,
    )
    if (ok) return
    await new Promise((done) => setTimeout(done, 200))
  }
  throw new Error(`${name} not ready at ${url} within ${seconds} s`)
}

function start(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
): ChildProcess {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  running.add(child)
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000)
  })
  child.once('exit', (code, signal) => {
    running.delete(child)
    if (code !== 0 && code !== null && signal === null) {
      process.stderr.write(`bench: ${name} exited with ${code}\n${stderr}\n`)
    }
  })
  return child
}

function asTarget(name: string, origin: string, apiBase: string, child: ChildProcess): Target {
  let lastPeak: number | null = null
  return {
    name,
    origin,
    apiBase,
    process: child,
    cpuSeconds: () => (child.pid === undefined ? NaN : cpuSecondsOf(child.pid)),
    peakMemoryMiB: () => {
      if (child.pid !== undefined && child.exitCode === null) {
        lastPeak = statusField(child.pid, 'VmHWM') ?? lastPeak
      }
      return lastPeak
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      lastPeak = statusField(child.pid!, 'VmHWM') ?? lastPeak
      const exited = new Promise((done) => child.once('exit', done))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    },
  }
}

const RATE_LIMITS = [
  'RATE_LIMIT_MINT_PER_ADDRESS',
  'RATE_LIMIT_MINT_PER_USER',
  'RATE_LIMIT_SCRIPT_PER_ADDRESS',
  'RATE_LIMIT_SCRIPT_PER_USER',
  'RATE_LIMIT_TOKEN_PER_USER',
]
const NEVER_REACHED = 1_000_000_000

export interface ServerOptions {
  repoRoot: string
  name: string
  env: Record<string, string>
  /** Extra node flags, e.g. `--cpu-prof` for a profile run. */
  nodeArgs?: string[]
  /** Build to run; default `dist` of the repository. */
  dist?: string
}

/** The server as production runs it: `node dist/server.js` (run `npm run build` first). */
export async function startServer(options: ServerOptions): Promise<Target> {
  const entry = resolve(options.repoRoot, options.dist ?? 'dist', 'server.js')
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`)
  const port = await freePort()
  const child = start(
    options.name,
    process.execPath,
    [...(options.nodeArgs ?? []), entry],
    {
      NODE_ENV: 'production',
      // Production refuses the dev seed unless told; the bench uses it as SDK tests do.
      ALLOW_DEV_SEED: 'true',
      // One client sends every request: the per-address and per-user limits would answer 429
      // after a few dozen. Limits this high never trigger, yet their counting still runs, so
      // its cost stays in the figures (0 would switch the limiter off altogether).
      ...Object.fromEntries(RATE_LIMITS.map((name) => [name, String(NEVER_REACHED)])),
      HOST: '127.0.0.1',
      PORT: String(port),
      ...options.env,
    },
    options.repoRoot,
  )
  const origin = `http://127.0.0.1:${port}`
  await waitReady(`${origin}/readyz`, child, options.name)
  return asTarget(options.name, origin, '/api/v1', child)
}

export async function startCeiling(repoRoot: string): Promise<Target> {
  const port = await freePort()
  const child = start(
    'ceiling',
    process.execPath,
    ['--import', 'tsx', resolve(repoRoot, 'scripts/bench/ceiling.ts'), String(port)],
    {},
    repoRoot,
  )
  const origin = `http://127.0.0.1:${port}`
  await waitReady(`${origin}/`, child, 'ceiling')
  return asTarget('ceiling', origin, '/api/v1', child)
}

/**
 * The contract in CI and fresh clones sits beside the repository (../shared/contract); when it
 * is absent the committed generated document stands in, and the caller says so in the output.
 */
export function contractPath(repoRoot: string): { path: string; upstream: boolean } {
  const upstream = resolve(repoRoot, '../shared/contract/upstream-lan-agent.openapi.json')
  if (existsSync(upstream)) return { path: upstream, upstream: true }
  return { path: resolve(repoRoot, 'openapi/lan-agent.json'), upstream: false }
}

export async function startPrism(repoRoot: string, contract: string): Promise<Target> {
  const port = await freePort()
  const child = start(
    'prism',
    resolve(repoRoot, 'node_modules/.bin/prism'),
    ['mock', '-h', '127.0.0.1', '-p', String(port), contract],
    {},
    repoRoot,
  )
  const origin = `http://127.0.0.1:${port}`
  // Prism mounts the paths without the contract's `/api/v1` server prefix.
  await waitReady(`${origin}/lan-agent/meta`, child, 'prism', 120)
  return asTarget('prism', origin, '', child)
}
