// The load generator, run as its own process so it never shares an event loop with a target.
// Reads one job (JSON) on stdin, runs autocannon (a short unmeasured warm-up, so the target's
// JIT and connection pools are warm, then the measured run) and writes a summary on stdout.
// The job travels on stdin rather than argv because it carries credentials.
import autocannon from 'autocannon'
import type { DriveJob, DriveResult } from './operations.js'

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

const job = JSON.parse(await readStdin()) as DriveJob
const { request } = job
let sequence = 0
// task-spec cycles through a few task ids, so the queue it writes stays a normal size and both
// branches of the upsert (a new id, a known id) are exercised.
const rotate = request.rotateTaskIds
const setupRequest = rotate
  ? <T extends { body?: string }>(raw: T): T => ({
      ...raw,
      body: (request.body ?? '').replace('{{task_id}}', `bench-${sequence++ % rotate}`),
    })
  : undefined

const run = (duration: number) =>
  autocannon({
    url: job.origin,
    connections: job.connections,
    duration,
    timeout: 10,
    requests: [
      {
        method: request.method,
        path: request.path,
        headers: request.headers,
        body: request.body,
        ...(setupRequest ? { setupRequest } : {}),
      },
    ],
  })

if (job.warmupSeconds > 0) await run(job.warmupSeconds)
// Tells the parent the measured run starts, so it can read the target's CPU time from here on.
process.stdout.write('measuring\n')
const result = await run(job.durationSeconds)
const statusCodes: Record<string, number> = {}
for (const kind of ['1xx', '2xx', '3xx', '4xx', '5xx']) {
  const count = Number(result[kind] ?? 0)
  if (count > 0) statusCodes[kind] = count
}
const summary: DriveResult = {
  requestsPerSecond: result.requests.average,
  p50: result.latency.p50,
  p99: result.latency.p99,
  total: result.requests.total,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  statusCodes,
}
process.stdout.write(`${JSON.stringify(summary)}\n`)
