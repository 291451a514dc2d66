import t from 'tap'
import { buildTestApp, forEachStore } from '../fixtures/app.js'
import { assertReplyConforms } from '../fixtures/contract.js'
import { storeSnapshot, taskSpecBody } from '../fixtures/operations.js'
import { listen, observed, rawRequest } from '../fixtures/raw-http.js'
import { ALICE, ALICE_ID, INT_A1, ORG_A, taskSpecUrl } from '../fixtures/seed.js'

/**
 * http-edges.md case 18 and its kind: every protocol below the minimum, every credential that
 * may call task-spec, a configured minimum, and what a real socket carries (Node adds its own
 * Connection header; it must never say upgrade).
 */
const headers = { ...ALICE, 'x-org': ORG_A }

t.test('case 18: protocols below the minimum get 426 done right', (t) =>
  forEachStore(t, async (t, kind) => {
    const built = await buildTestApp(t, { store: kind })
    if (!built) return
    const before = await storeSnapshot(built.store, built.clock.now())
    for (const version of [0, 1]) {
      const reply = await built.app.inject({
        method: 'POST', url: taskSpecUrl(INT_A1), headers,
        payload: taskSpecBody({ lan_protocol_version: version }),
      })
      const what = `version ${version}`
      t.equal(reply.statusCode, 426, `${what}: 426`)
      t.equal(reply.headers.upgrade, 'lan-protocol/2', `${what}: Upgrade: lan-protocol/2`)
      t.notMatch(String(reply.headers.connection ?? ''), /upgrade/i, `${what}: no Connection: upgrade`)
      t.match(reply.json(), {
        error_code: 'lan_protocol_too_old',
        min_lan_protocol_version: 2,
        lan_protocol_version: 2,
        message: String,
      }, `${what}: the envelope names the minimum and current versions`)
    }
    t.equal(await storeSnapshot(built.store, built.clock.now()), before, 'nothing stored')
  }),
)

t.test('426 with an agent token too, and the minimum follows configuration', async (t) => {
  const built = await buildTestApp(t, {
    env: { LAN_PROTOCOL_VERSION: '5', LAN_PROTOCOL_MIN_VERSION: '3' },
  })
  if (!built) return
  const { token } = await built.app.tokens.signAgentToken(
    { sub: ALICE_ID, orgs: [ORG_A], integration_id: INT_A1, task_id: null }, 600,
  )
  for (const [what, credential] of [['API key', ALICE], ['agent JWT',
    { authorization: `Bearer ${token}` }]] as const) {
    for (const version of [0, 2]) {
      const reply = await built.app.inject({
        method: 'POST', url: taskSpecUrl(INT_A1), headers: { ...credential, 'x-org': ORG_A },
        payload: taskSpecBody({ lan_protocol_version: version }),
      })
      t.equal(reply.statusCode, 426, `${what}, version ${version}: 426`)
      t.equal(reply.headers.upgrade, 'lan-protocol/3', `${what}, version ${version}: the minimum`)
      t.match(reply.json(), { min_lan_protocol_version: 3, lan_protocol_version: 5 },
        `${what}, version ${version}: configured versions`)
    }
    const ok = await built.app.inject({
      method: 'POST', url: taskSpecUrl(INT_A1), headers: { ...credential, 'x-org': ORG_A },
      payload: taskSpecBody({ lan_protocol_version: 3 }),
    })
    t.equal(ok.statusCode, 200, `${what}: the minimum itself is accepted`)
  }
})

t.test('426 comes after tenancy and schema checks, as the documented order says', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const old = taskSpecBody({ lan_protocol_version: 1 })
  const cases: [string, Record<string, unknown>, number][] = [
    ['no credential', { headers: { 'x-org': ORG_A }, payload: old }, 401],
    ['no X-Org', { headers: ALICE, payload: old }, 400],
    ['another org', { headers: { ...ALICE, 'x-org': '01KDVDNA00ZPKVKJBMS3PDFETK' }, payload: old }, 403],
    ['a version as a string', { headers, payload: { ...old, lan_protocol_version: '1' } }, 400],
    ['a negative version', { headers, payload: { ...old, lan_protocol_version: -1 } }, 400],
    ['an unknown field', { headers, payload: { ...old, extra: true } }, 400],
  ]
  for (const [what, options, status] of cases) {
    const reply = await built.app.inject({ method: 'POST', url: taskSpecUrl(INT_A1), ...options })
    t.equal(reply.statusCode, status, `${what}: ${status} before any 426`)
  }
})

t.test('on a real socket, the 426 carries Upgrade and never Connection: upgrade', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const port = await listen(built.app)
  const body = JSON.stringify(taskSpecBody({ lan_protocol_version: 1 }))
  const variants: [string, string, string][] = [
    ['HTTP/1.1 keep-alive', 'HTTP/1.1', ''],
    ['HTTP/1.1 Connection: close', 'HTTP/1.1', 'Connection: close\r\n'],
    ['HTTP/1.1 Connection: keep-alive', 'HTTP/1.1', 'Connection: keep-alive\r\n'],
    ['HTTP/1.0', 'HTTP/1.0', ''],
    ['a client asking to upgrade', 'HTTP/1.1', 'Connection: upgrade\r\nUpgrade: lan-protocol/1\r\n'],
  ]
  for (const [what, version, extra] of variants) {
    const request =
      `POST ${taskSpecUrl(INT_A1)} ${version}\r\nHost: 127.0.0.1:${port}\r\n` +
      `X-API-Key: ${ALICE['x-api-key']}\r\nX-Org: ${ORG_A}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n` +
      body
    const reply = await rawRequest(port, request)
    t.equal(reply.statusCode, 426, `${what}: 426`)
    t.equal(reply.headers.upgrade, 'lan-protocol/2', `${what}: Upgrade: lan-protocol/2`)
    const connection = reply.headerLines.filter((line) => /^connection:/i.test(line))
    t.notOk(connection.some((line) => /upgrade/i.test(line)),
      `${what}: no Connection: upgrade on the wire (${connection.join(' | ') || 'none'})`)
    t.equal(JSON.parse(reply.body).error_code, 'lan_protocol_too_old', `${what}: envelope`)
    assertReplyConforms(t, built.app, observed('POST', taskSpecUrl(INT_A1), reply))
  }
})
