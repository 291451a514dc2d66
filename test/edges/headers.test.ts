import { connect } from 'node:net'
import t from 'tap'
import { buildTestApp } from '../fixtures/app.js'
import { assertReplyConforms } from '../fixtures/contract.js'
import { mintKey, operations, type OperationCase } from '../fixtures/operations.js'
import { listen, observed, type RawReply } from '../fixtures/raw-http.js'
import { ALICE, API, INT_A1, ORG_A, taskSpecUrl } from '../fixtures/seed.js'
import { StoreUnavailableError, type Store } from '../../src/store/types.js'

/**
 * The headers CONTRACT.md requires wherever they apply: Retry-After on every 429 and 503 (each
 * cause of one, on each operation it can reach), WWW-Authenticate on every 401 whatever form
 * the body takes, and no-store on every reply that carries a credential.
 */
const STORE_METHODS = [
  'ping', 'putTask', 'listTaskIds', 'listTasks', 'putBootstrapKey', 'getBootstrapKey',
  'takeBootstrapKey', 'listBootstrapKeys', 'getDocument', 'compareAndSetDocument',
  'deleteDocument', 'resetOrg',
] as const

function breakStore(store: Store): void {
  for (const name of STORE_METHODS) {
    ;(store as unknown as Record<string, unknown>)[name] = () =>
      Promise.reject(new StoreUnavailableError('connection refused'))
  }
}

const send = (op: OperationCase) => ({
  method: op.method, url: op.url, headers: op.headers, ...(op.body ? { payload: op.body } : {}),
})

t.test('storage down: every operation that needs it answers 503 with Retry-After', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const key = await mintKey(built.app)
  breakStore(built.store)
  for (const op of operations(key)) {
    for (const accept of ['application/json', '*/*']) {
      const reply = await built.app.inject({ ...send(op), headers: { ...op.headers, accept } })
      const what = `${op.name}, Accept ${accept}`
      if (op.name === 'meta' || op.name === 'cli token') {
        t.equal(reply.statusCode, 200, `${what}: needs no storage, still 200`)
        continue
      }
      t.equal(reply.statusCode, 503, `${what}: 503`)
      t.match(reply.headers['retry-after'], /^[1-9]\d*$/, `${what}: Retry-After in seconds`)
      t.notMatch(reply.body, /connection refused|Error|\bat /, `${what}: no internal text`)
    }
  }
  const ready = await built.app.inject({ url: '/readyz' })
  t.equal(ready.statusCode, 503, 'readyz: 503')
  t.match(ready.headers['retry-after'], /^[1-9]\d*$/, 'readyz: Retry-After')
})

t.test('no signing key: every operation that signs answers 503 with Retry-After', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const key = await mintKey(built.app)
  built.app.keyring.signingKey = () => undefined
  const signing = ['cli token', 'bootstrap-token', 'bootstrap.sh']
  for (const op of operations(key).filter((o) => signing.includes(o.name))) {
    const reply = await built.app.inject({ ...send(op), headers: { ...op.headers, accept: 'application/json' } })
    t.equal(reply.statusCode, 503, `${op.name}: 503`)
    t.equal(reply.json().error_code, 'signing_unavailable', `${op.name}: signing_unavailable`)
    t.match(reply.headers['retry-after'], /^[1-9]\d*$/, `${op.name}: Retry-After`)
  }
  const ready = await built.app.inject({ url: '/readyz' })
  t.equal(ready.statusCode, 503, 'readyz: 503')
  t.match(ready.headers['retry-after'], /^[1-9]\d*$/, 'readyz: Retry-After')
})

t.test('a full queue answers 429 with Retry-After, to users and agents', async (t) => {
  const built = await buildTestApp(t, { env: { TASK_QUEUE_MAX: '1' } })
  if (!built) return
  const { token } = await built.app.tokens.signAgentToken(
    { sub: 'U', orgs: [ORG_A], integration_id: INT_A1, task_id: null }, 600,
  )
  const post = (taskId: string, credential: Record<string, string>) => built.app.inject({
    method: 'POST', url: taskSpecUrl(INT_A1), headers: { ...credential, 'x-org': ORG_A },
    payload: { task_id: taskId, lan_protocol_version: 2, payload: null },
  })
  t.equal((await post('first', ALICE)).statusCode, 200, 'the first task fits')
  for (const [what, credential] of [['API key', ALICE],
    ['agent JWT', { authorization: `Bearer ${token}` }]] as const) {
    const reply = await post(`second-${what.replace(/\W/g, '')}`, credential)
    t.equal(reply.statusCode, 429, `${what}: 429`)
    t.equal(reply.json().error_code, 'queue_full', `${what}: queue_full`)
    t.match(reply.headers['retry-after'], /^[1-9]\d*$/, `${what}: Retry-After`)
  }
})

t.test('every 401 carries WWW-Authenticate, the script form of bootstrap.sh too', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const unknownKey = '01KDVDNA00000000000000NKEY'
  for (const accept of ['application/json', '*/*', 'text/x-shellscript']) {
    const reply = await built.app.inject({
      url: `${API}/lan-agent/cli/bootstrap.sh?key=${unknownKey}`, headers: { accept },
    })
    t.equal(reply.statusCode, 401, `bootstrap.sh, Accept ${accept}: 401`)
    t.match(reply.headers['www-authenticate'], /^Bearer\b/, `bootstrap.sh, Accept ${accept}: challenge`)
  }
  for (const op of operations().filter((o) => o.auth !== 'none')) {
    const reply = await built.app.inject({ ...send(op), headers: { 'x-org': ORG_A } })
    t.equal(reply.statusCode, 401, `${op.name}: 401`)
    t.equal(reply.headers['www-authenticate'], 'Bearer', `${op.name}: challenge`)
  }
})

t.test('credential replies are never cacheable; public keys briefly are', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const key = await mintKey(built.app)
  const credentials = ['cli token', 'bootstrap-token', 'bootstrap.sh']
  for (const op of operations(key).filter((o) => credentials.includes(o.name))) {
    const reply = await built.app.inject(send(op))
    t.equal(reply.statusCode, 200, `${op.name}: 200`)
    t.equal(reply.headers['cache-control'], 'no-store', `${op.name}: Cache-Control: no-store`)
  }
  const jwks = await built.app.inject({ url: '/.well-known/jwks.json' })
  t.match(jwks.headers['cache-control'], /^public, max-age=\d+$/, 'JWKS: a short public cache')
})

/** Reads `count` replies off one socket, each complete by its Content-Length. */
function readReplies(socket: ReturnType<typeof connect>, count: number): Promise<RawReply[]> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0)
    const replies: RawReply[] = []
    const timer = setTimeout(() => reject(new Error(`only ${replies.length} replies in 15 s`)), 15_000)
    const take = () => {
      for (;;) {
        const end = data.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = data.subarray(0, end).toString('latin1')
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0)
        if (data.length < end + 4 + length) return
        const [status, ...lines] = head.split('\r\n')
        const headers: Record<string, string> = {}
        for (const line of lines) {
          const colon = line.indexOf(':')
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
        }
        replies.push({
          statusCode: Number(status!.split(' ')[1]), headers, headerLines: lines,
          body: data.subarray(end + 4, end + 4 + length).toString('utf8'),
        })
        data = data.subarray(end + 4 + length)
        if (replies.length === count) {
          clearTimeout(timer)
          resolve(replies)
          return
        }
      }
    }
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk])
      take()
    })
    socket.on('error', reject)
  })
}

t.test('while the instance closes: an in-flight reply completes and closes its connection', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const { app } = built
  let entered!: () => void
  const inFlight = new Promise<void>((resolve) => { entered = resolve })
  let release!: () => void
  const released = new Promise<void>((resolve) => { release = resolve })
  app.get('/test/held', async () => {
    entered()
    await released
    return { held: true }
  })
  let closing!: () => void
  const preClosed = new Promise<void>((resolve) => { closing = resolve })
  app.addHook('preClose', async () => closing())
  const port = await listen(app)
  const socket = connect({ host: '127.0.0.1', port })
  t.teardown(() => socket.destroy())
  const replies = readReplies(socket, 1)
  socket.write('GET /test/held HTTP/1.1\r\nHost: x\r\n\r\n')
  await inFlight
  const closed = app.close()
  await preClosed
  release()
  const [first] = await replies
  await closed
  t.equal(first?.statusCode, 200, 'the request in flight completes')
  t.match(first?.headers.connection, /close/i, 'and tells its keep-alive client to reconnect')
  // A request that still reaches the app while it drains gets 503 shutting_down: see
  // test/resilience/shutdown.test.ts, which drives that with a real process and SIGTERM.
})
