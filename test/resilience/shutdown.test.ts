import { request as httpRequest, type ClientRequest } from 'node:http'
import t from 'tap'
import { jsonInit, timedFetch, type Outcome } from '../fixtures/http.js'
import { tempDir } from '../fixtures/installer/processes.js'
import { waitFor } from '../fixtures/ports.js'
import { LoggedServer } from '../fixtures/logged-server.js'
import { ALICE, INT_A1, ORG_A, taskSpecUrl, tasksUrl } from '../fixtures/seed.js'

const HEADERS = { ...ALICE, 'x-org': ORG_A }

/**
 * A task-spec request whose body is sent in two halves: the server has the request in hand
 * but cannot finish it until `finish()` sends the rest.
 */
function slowUpload(base: string, taskId: string, correlationId: string) {
  const body = JSON.stringify({ task_id: taskId, lan_protocol_version: 2, payload: { slow: true } })
  const half = Math.floor(body.length / 2)
  let request: ClientRequest
  const reply = new Promise<{ status: number; body: string; connection?: string }>(
    (resolve, reject) => {
      request = httpRequest(
        `${base}${taskSpecUrl(INT_A1)}`,
        {
          method: 'POST',
          headers: {
            ...HEADERS,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'x-correlation-id': correlationId,
          },
        },
        (response) => {
          let text = ''
          response.setEncoding('utf8')
          response.on('data', (chunk: string) => (text += chunk))
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: text,
              connection: response.headers.connection,
            }),
          )
          response.on('error', reject)
        },
      )
      request.on('error', reject)
      request.write(body.slice(0, half))
    },
  )
  return { reply, finish: () => request.end(body.slice(half)) }
}

t.test('SIGTERM under load: running requests finish, every reply is whole, exit 0', async (t) => {
  const dataDir = tempDir(t, 'shutdown')
  // At debug the server logs the start of each request, which is how this test knows the
  // slow upload has arrived (at info there is only the line at completion).
  const server = await LoggedServer.start(t, { DATA_DIR: dataDir, LOG_LEVEL: 'debug' })
  const slow = slowUpload(server.url, 'in-flight-at-sigterm', 'slow-upload-1')
  await server.waitForLog((line) => line.reqId === 'slow-upload-1')

  // Workers send requests back to back over keep-alive connections until one is refused at
  // the connection: some are running at SIGTERM, some arrive while the server drains.
  const outcomes: Outcome[] = []
  const worker = async (w: number) => {
    for (let i = 0; ; i += 1) {
      const outcome =
        i % 2 === 0
          ? await timedFetch(
              `${server.url}${taskSpecUrl(INT_A1)}`,
              jsonInit(HEADERS, { task_id: `load-${w}-${i}`, lan_protocol_version: 2, payload: i }),
            )
          : await timedFetch(`${server.url}${tasksUrl(INT_A1)}`, { headers: HEADERS })
      outcomes.push(outcome)
      if (outcome.status === 0 && !server.running) return
    }
  }
  const burst = Array.from({ length: 8 }, (_, w) => worker(w))
  await waitFor('replies before SIGTERM', () => outcomes.length >= 40)
  server.signal('SIGTERM')
  await server.waitForLog((line) => line.msg === 'shutting down')

  slow.finish()
  const finished = await slow.reply
  t.equal(finished.status, 200, 'the request in flight at SIGTERM is answered 200')
  t.match(JSON.parse(finished.body), { task_id: 'in-flight-at-sigterm' }, 'with its whole body')
  t.equal(finished.connection, 'close', 'and Connection: close, so the client does not linger')

  t.same(await server.exited, { code: 0, signal: null }, 'the process exits 0')
  await Promise.all(burst)
  const answered = outcomes.filter((o) => o.status !== 0)
  const broken = answered.filter((o) => o.json === undefined)
  t.same(broken.map((o) => o.body), [], `all ${answered.length} replies received parse whole`)
  const refusedWithEnvelope = answered.filter((o) => o.status === 503)
  t.ok(
    refusedWithEnvelope.every(
      (o) => (o.json as { error_code?: string }).error_code === 'shutting_down' &&
        o.headers?.get('retry-after') === '1',
    ),
    'a request arriving while draining gets 503 shutting_down with Retry-After',
  )
  t.ok(
    answered.every((o) => o.status === 200 || o.status === 503),
    'every reply is a 200 or a 503',
  )
  const unanswered = outcomes.filter((o) => o.status === 0)
  t.ok(
    unanswered.every((o) => /ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET/.test(o.error!)),
    `requests without a reply (${unanswered.length}) were refused at the connection, not hung`,
  )
  t.comment(
    `stream of ${outcomes.length}: ${answered.filter((o) => o.status === 200).length} × 200, ` +
      `${refusedWithEnvelope.length} × 503, ${unanswered.length} refused`,
  )

  t.ok(
    server.lines.some((line) => line.msg === 'shut down cleanly'),
    'and says it shut down cleanly',
  )

  const next = await LoggedServer.start(t, { DATA_DIR: dataDir })
  const list = await timedFetch(`${next.url}${tasksUrl(INT_A1)}`, { headers: HEADERS })
  t.ok(
    (list.json as { task_ids: string[] }).task_ids.includes('in-flight-at-sigterm'),
    'the write of the in-flight request was saved after it finished',
  )
})

t.test('a request that never finishes cannot hold shutdown past the grace period', async (t) => {
  const server = await LoggedServer.start(t, { SHUTDOWN_GRACE_MS: '1500', LOG_LEVEL: 'debug' })
  t.ok(
    server.lines.some((line) => /in memory only/.test(line.msg)),
    'without DATA_DIR, the start says that a restart loses the state',
  )
  const slow = slowUpload(server.url, 'never-finished', 'slow-upload-2')
  slow.reply.catch(() => {})
  await server.waitForLog((line) => line.reqId === 'slow-upload-2')
  const signalled = Date.now()
  server.signal('SIGTERM')
  const exit = await server.exited
  const took = Date.now() - signalled
  t.equal(exit.code, 1, 'exit status 1: the shutdown was forced')
  t.ok(took < 15_000, `the process exited ${took} ms after SIGTERM, bounded by the grace period`)
  t.ok(
    server.lines.some((line) => line.msg === 'shutdown took too long; exiting'),
    'and says why',
  )
})
