// `npm run bench`: the server (embedded store, then Redis) against the bare-Fastify ceiling and
// Prism, one operation at a time, every target taking identical requests. `--scale` runs the
// 100,000-entry comparison instead (scale.ts). Options:
//   --duration <s>     measured seconds per operation and target (default 4)
//   --warmup <s>       unmeasured seconds before each measurement (default 1)
//   --connections <n>  concurrent connections (default 10)
//   --ops a,b          only these operations      --targets memory,redis  only these servers
//   --no-prism --no-ceiling                        skip a reference
//   --profile <dir>    run the servers with --cpu-prof, profiles written to <dir>
//   --json <file>      also write the raw results as JSON
//   --env NAME=value   extra environment for the servers (repeatable), e.g. LOG_LEVEL=warn
//   --dist <dir>       the build to measure (default dist)
//   --baseline <dir>   also run another build (a dist/ directory) of the server on the same
//                      stores, interleaved, for A/B comparisons of a change (rows `@base`)
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import {
  log,
  machineLine,
  measure as measureWith,
  mintBootstrapKey,
  type LoadSettings,
} from './measure.js'
import type { DriveResult, OperationName } from './operations.js'
import { BENCH_REDIS_URL, benchPrefix, connectBenchRedis, deleteByPrefix } from './redis.js'
import { errorCount, ratio, table, type Row } from './report.js'
import { runScale } from './scale.js'
import {
  contractPath,
  startCeiling,
  startPrism,
  startServer,
  stopAll,
  type Target,
} from './targets.js'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const OPERATIONS: OperationName[] = [
  'meta',
  'token',
  'bootstrap-token',
  'bootstrap.sh',
  'task-spec',
  'tasks',
]

const { values: args } = parseArgs({
  options: {
    scale: { type: 'boolean', default: false },
    duration: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '10' },
    ops: { type: 'string' },
    targets: { type: 'string', default: 'memory,redis' },
    'no-prism': { type: 'boolean', default: false },
    'no-ceiling': { type: 'boolean', default: false },
    profile: { type: 'string' },
    json: { type: 'string' },
    env: { type: 'string', multiple: true, default: [] },
    baseline: { type: 'string' },
    dist: { type: 'string', default: 'dist' },
  },
})

const settings: LoadSettings = {
  durationSeconds: Number(args.duration),
  warmupSeconds: Number(args.warmup),
  connections: Number(args.connections),
}

function jose(): { sign: number; verify: number } | null {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', resolve(repoRoot, 'scripts/bench/jose-limit.ts'), '2'],
    { cwd: repoRoot, encoding: 'utf8' },
  )
  return child.status === 0 ? (JSON.parse(child.stdout) as { sign: number; verify: number }) : null
}

function summarize(rows: Row[], peaks: Record<string, number | null>) {
  const failures: string[] = []
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(what)
    return `${ok ? 'holds' : 'MISSED'}: ${what}`
  }
  const lines: string[] = []
  for (const row of rows) {
    if (!row.result || row.target === 'ceiling' || row.target === 'prism') continue
    const name = `${row.operation} (${row.target})`
    const minimum =
      row.operation === 'meta'
        ? 0.85
        : row.operation === 'task-spec' || row.operation === 'tasks'
          ? row.target === 'redis' ? 0.5 : undefined
          : row.operation.startsWith('bootstrap')
            ? 0.25
            : undefined
    if (minimum !== undefined && row.vsCeiling !== undefined) {
      lines.push(check(row.vsCeiling >= minimum, `${name} ${row.vsCeiling.toFixed(2)} ≥ ${minimum} × ceiling`))
    }
    if (row.vsPrism !== undefined) {
      lines.push(check(row.vsPrism >= 5, `${name} ${row.vsPrism.toFixed(1)} ≥ 5 × Prism`))
    }
    lines.push(check(errorCount(row.result) === 0, `${name} no errors (${errorCount(row.result)})`))
    lines.push(check(row.result.p99 < 20, `${name} p99 ${row.result.p99} ms < 20 ms`))
  }
  for (const [name, peak] of Object.entries(peaks)) {
    if (peak === null || name === 'ceiling' || name === 'prism') continue
    lines.push(check(peak < 200, `server (${name}) peak memory ${peak.toFixed(0)} MiB < 200 MiB`))
  }
  return { lines, failures }
}

async function main() {
  if (args.scale) {
    await runScale(repoRoot, settings, (target, operation, context) =>
      measureWith(repoRoot, settings, target, operation, context),
    )
    return
  }
  const wanted = new Set(args.ops ? args.ops.split(',') : OPERATIONS)
  const operations = OPERATIONS.filter((op) => wanted.has(op))
  const servers = new Set(args.targets.split(','))
  const started = Date.now()
  const contract = contractPath(repoRoot)
  const nodeArgs = args.profile
    ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args.profile)}`]
    : []
  const serverEnv = Object.fromEntries(
    (args.env ?? []).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  )
  log(machineLine())

  const redis = servers.has('redis') ? await connectBenchRedis() : null
  const prefix = benchPrefix()
  const notes: string[] = []
  if (servers.has('redis') && !redis) notes.push(`no Redis at ${BENCH_REDIS_URL}: Redis rows skipped`)
  if (!contract.upstream && !args['no-prism']) {
    notes.push(`upstream contract not found beside the repository: Prism mocks ${contract.path}`)
  }

  const targets: Target[] = []
  try {
    const baseline = args.baseline
    const [ceiling, prism, memory, onRedis, memoryBase, redisBase] = await Promise.all([
      args['no-ceiling'] ? undefined : startCeiling(repoRoot),
      args['no-prism'] ? undefined : startPrism(repoRoot, contract.path),
      servers.has('memory')
        ? startServer({ repoRoot, name: 'memory', env: serverEnv, nodeArgs, dist: args.dist })
        : undefined,
      redis
        ? startServer({
            repoRoot,
            name: 'redis',
            env: { ...serverEnv, REDIS_URL: BENCH_REDIS_URL, REDIS_KEY_PREFIX: prefix },
            nodeArgs,
            dist: args.dist,
          })
        : undefined,
      baseline && servers.has('memory')
        ? startServer({ repoRoot, name: 'memory@base', env: serverEnv, nodeArgs, dist: baseline })
        : undefined,
      baseline && redis
        ? startServer({
            repoRoot,
            name: 'redis@base',
            env: { ...serverEnv, REDIS_URL: BENCH_REDIS_URL, REDIS_KEY_PREFIX: `${prefix}base:` },
            nodeArgs,
            dist: baseline,
          })
        : undefined,
    ])
    const servers_ = [memory, memoryBase, onRedis, redisBase].filter(
      (t): t is Target => t !== undefined,
    )
    targets.push(...[ceiling, prism, ...servers_].filter((t): t is Target => t !== undefined))
    log(`targets up after ${((Date.now() - started) / 1000).toFixed(1)} s`)

    const keys = new Map<Target, string | null>()
    for (const server of servers_) keys.set(server, await mintBootstrapKey(server))

    const rows: Row[] = []
    for (const operation of operations) {
      const results = new Map<string, DriveResult>()
      for (const target of [ceiling, ...servers_, prism]) {
        if (!target) continue
        const missing =
          operation.startsWith('bootstrap') && servers_.includes(target) && keys.get(target) === null
        if (missing) {
          rows.push({ operation, target: target.name, note: 'route missing (not in this build)' })
          continue
        }
        const context = {
          // Prism answers any well-formed key; the servers get one they minted.
          bootstrapKey: keys.get(target) ?? '01KDVDNA000000000000000KEY',
        }
        log(`${operation} on ${target.name}`)
        const result = await measureWith(repoRoot, settings, target, operation, context)
        results.set(target.name, result)
        rows.push({ operation, target: target.name, result })
      }
      for (const row of rows.filter((r) => r.operation === operation && r.result)) {
        if (row.target !== 'ceiling') row.vsCeiling = ratio(row.result, results.get('ceiling'))
        if (row.target !== 'prism') row.vsPrism = ratio(row.result, results.get('prism'))
      }
    }

    const peaks: Record<string, number | null> = {}
    for (const target of targets) peaks[target.name] = target.peakMemoryMiB()
    const joseLimit = operations.some((op) => op.startsWith('bootstrap')) ? jose() : null

    const out: string[] = []
    out.push(`Machine: ${machineLine()}`)
    out.push(
      `Load: autocannon, ${settings.connections} connections, ${settings.warmupSeconds} s warm-up ` +
        `+ ${settings.durationSeconds} s per operation and target, from a separate process.`,
    )
    for (const note of notes) out.push(`Note: ${note}`)
    out.push('')
    out.push(table(rows))
    out.push('')
    out.push(
      'Peak memory (VmHWM): ' +
        Object.entries(peaks)
          .map(([name, peak]) => `${name} ${peak === null ? '?' : peak.toFixed(0)} MiB`)
          .join(', '),
    )
    if (joseLimit) {
      out.push(
        `jose alone, 10 in flight: ES256 sign ${Math.round(joseLimit.sign)}/s, ` +
          `verify ${Math.round(joseLimit.verify)}/s`,
      )
      // bootstrap.sh verifies the stored bootstrap JWT and signs a fresh agent JWT: its floor
      // is one verify plus one sign per request.
      const both = 1 / (1 / joseLimit.sign + 1 / joseLimit.verify)
      out.push(`  one sign + one verify per request: ${Math.round(both)}/s`)
      for (const row of rows) {
        if (!row.result || row.target === 'ceiling' || row.target === 'prism') continue
        const limit =
          row.operation === 'bootstrap-token' || row.operation === 'token'
            ? ['sign', joseLimit.sign] as const
            : row.operation === 'bootstrap.sh'
              ? ['sign + verify', both] as const
              : undefined
        if (limit === undefined) continue
        out.push(
          `  ${row.operation} (${row.target}): ${(row.result.requestsPerSecond / limit[1]).toFixed(2)}` +
            ` of the jose-alone ${limit[0]} rate`,
        )
      }
    }
    const { lines, failures } = summarize(rows, peaks)
    out.push('')
    out.push('Targets:')
    for (const line of lines) out.push(`  ${line}`)
    out.push(
      `${failures.length === 0 ? 'All targets hold' : `${failures.length} target(s) missed`}; ` +
        `run took ${((Date.now() - started) / 1000).toFixed(0)} s.`,
    )
    process.stdout.write(`${out.join('\n')}\n`)
    if (args.json) {
      writeFileSync(
        args.json,
        JSON.stringify({ machine: machineLine(), settings, rows, peaks, jose: joseLimit }, null, 2),
      )
    }
  } finally {
    await Promise.all(targets.map((target) => target.stop()))
    stopAll()
    if (redis) {
      await deleteByPrefix(redis, prefix)
      redis.disconnect()
    }
  }
}

process.once('SIGINT', () => {
  stopAll()
  process.exit(130)
})
await main()
