import t from 'tap'
import { buildTestApp } from '../fixtures/app.js'
import { assertReplyConforms } from '../fixtures/contract.js'
import {
  EXTENSION_PATHS, mintKey, operations, shown, type OperationCase,
} from '../fixtures/operations.js'
import { listen, observed, rawRequest } from '../fixtures/raw-http.js'
import { ALICE, API, INT_A1, ORG_A, taskSpecUrl, tasksUrl } from '../fixtures/seed.js'

/**
 * http-edges.md cases 4 and 5 over every route: other methods, trailing slashes and other
 * spellings of a path, and every error the framework makes itself, each in the one envelope
 * with a stable error_code and the request id.
 */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'] as const

const request = (op: OperationCase, overrides: Record<string, unknown> = {}) => ({
  method: op.method,
  url: op.url,
  headers: op.headers,
  ...(op.body ? { payload: op.body } : {}),
  ...overrides,
})

t.test('case 4: every known path answers 405 with Allow to every other method', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const agentVersion = built.app.agentRelease.reference.version
  const paths: [string, string][] = [
    ...operations().map((op): [string, string] => [op.path, op.allow]),
    ...EXTENSION_PATHS,
    [`${API}/lan-agent/dist/${agentVersion}/`, 'GET, HEAD'],
    [`${API}/lan-agent/dist/${agentVersion}/SHA256SUMS`, 'GET, HEAD'],
  ]
  for (const [path, allow] of paths) {
    for (const method of METHODS.filter((m) => !allow.split(', ').includes(m))) {
      const reply = await built.app.inject({ method, url: path, headers: ALICE })
      t.equal(reply.statusCode, 405, `${method} ${path}: 405`)
      t.equal(reply.headers.allow, allow, `${method} ${path}: Allow: ${allow}`)
      if (method !== 'HEAD') {
        t.equal(reply.json().error_code, 'method_not_allowed', `${method} ${path}: envelope`)
      }
    }
  }
  const token = await built.app.inject({ url: `${API}/lan-agent/cli/token`, headers: ALICE })
  t.equal(token.headers.allow, 'POST', 'the case itself: GET cli/token is 405 with Allow: POST')
})

t.test('case 4: a trailing slash is the same operation on every route', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const key = await mintKey(built.app)
  for (const op of operations(key)) {
    const [path, query] = op.url.split('?')
    const url = `${path}/${query ? `?${query}` : ''}`
    const reply = await built.app.inject(request(op, { url }))
    t.equal(reply.statusCode, 200, `${op.method} ${shown(url, 100)}: 200 as without the slash`)
  }
  for (const [path] of EXTENSION_PATHS) {
    const reply = await built.app.inject({ url: `${path}/` })
    t.equal(reply.statusCode, 200, `GET ${path}/: 200`)
  }
  const meta = await built.app.inject({ url: `${API}/lan-agent/meta/` })
  t.same(Object.keys(meta.json()).sort(), [
    'lan_protocol_version', 'latest_agent_version', 'min_supported_agent_version',
    'tasks_catalog', 'upgrade_download_url',
  ], 'the case itself: GET /lan-agent/meta/ is the meta reply')
})

t.test('case 4: other spellings of a path are 404 or 400, never another operation', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const cases: [string, string, number, string][] = [
    ['a doubled slash', `/${API}/lan-agent/meta`, 404, 'route_not_found'],
    ['a doubled inner slash', `${API}/lan-agent//meta`, 404, 'route_not_found'],
    ['two trailing slashes', `${API}/lan-agent/meta//`, 404, 'route_not_found'],
    ['upper-case prefix', '/API/V1/lan-agent/meta', 404, 'route_not_found'],
    ['upper-case name', `${API}/lan-agent/META`, 404, 'route_not_found'],
    ['no prefix', '/lan-agent/meta', 404, 'route_not_found'],
    ['an older prefix', '/api/v0/lan-agent/meta', 404, 'route_not_found'],
    ['a bad percent-escape', `${API}/lan-agent/%zz`, 400, 'invalid_url'],
    ['a bad escape in an id', `${API}/integrations/%zz/lan-agent/tasks`, 400, 'invalid_url'],
    ['an id over 256 characters', tasksUrl('A'.repeat(300)), 414, 'uri_too_long'],
    ['an id that is no ULID', tasksUrl('not-a-ulid'), 400, 'invalid_integration_id'],
    ['an encoded slash in an id', tasksUrl(`${INT_A1}%2Fx`), 400, 'invalid_integration_id'],
  ]
  for (const [what, url, status, code] of cases) {
    const reply = await built.app.inject({ url, headers: { ...ALICE, 'x-org': ORG_A } })
    t.equal(reply.statusCode, status, `${what}: ${status}`)
    t.equal(reply.json().error_code, code, `${what}: ${code}`)
  }
  const lower = await built.app.inject({
    url: tasksUrl(INT_A1.toLowerCase()), headers: { ...ALICE, 'x-org': ORG_A.toLowerCase() },
  })
  t.equal(lower.statusCode, 200, 'ULIDs in lower case are the same ids (CONTRACT.md ULIDs)')
})

t.test('case 5: each error the framework makes is the envelope with a stable code', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const headers = { ...ALICE, 'x-org': ORG_A }
  const url = taskSpecUrl(INT_A1)
  const cases: [string, Record<string, unknown>, number, string][] = [
    ['unknown route', { url: `${API}/no/such/route` }, 404, 'route_not_found'],
    ['unknown method', { method: 'DELETE', url }, 405, 'method_not_allowed'],
    ['415', { method: 'POST', url, headers: { ...headers, 'content-type': 'text/plain' },
      payload: '{}' }, 415, 'unsupported_media_type'],
    ['413', { method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' },
      payload: `{"payload":"${'x'.repeat(2_000_000)}"}` }, 413, 'payload_too_large'],
    ['invalid JSON', { method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' },
      payload: '{"a":' }, 400, 'invalid_json'],
    ['schema failure', { method: 'POST', url, headers, payload: { task_id: 1 } }, 400,
      'invalid_request'],
    ['bad URL', { url: `${API}/%zz` }, 400, 'invalid_url'],
  ]
  for (const [what, options, status, code] of cases) {
    const reply = await built.app.inject({ headers, ...options } as never)
    t.equal(reply.statusCode, status, `${what}: ${status}`)
    const json = reply.json()
    t.same(Object.keys(json).filter((k) => k !== 'limit_bytes').sort(),
      ['correlationId', 'error_code', 'message'], `${what}: exactly the envelope`)
    t.equal(json.error_code, code, `${what}: ${code}`)
    t.equal(json.correlationId, reply.headers['x-request-id'], `${what}: correlationId = X-Request-Id`)
    t.equal(reply.headers['content-type'], 'application/json; charset=utf-8', `${what}: JSON`)
    t.notMatch(json.message, /FST_|Error:|\bat \w+ \(/, `${what}: no framework internals`)
  }
})

t.test('X-Request-Id on every reply, the caller\'s sane id echoed on errors too', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const url = taskSpecUrl(INT_A1)
  const json = { ...ALICE, 'x-org': ORG_A, 'content-type': 'application/json' }
  const replies: [string, Record<string, unknown>][] = [
    ['200', { url: `${API}/lan-agent/meta` }],
    ['400', { method: 'POST', url, headers: json, payload: '{' }],
    ['401', { url: tasksUrl(INT_A1) }],
    ['403', { url: tasksUrl(INT_A1), headers: { ...ALICE, 'x-org': '01KDVDNA00ZPKVKJBMS3PDFETK' } }],
    ['404', { url: `${API}/nowhere` }],
    ['405', { method: 'PUT', url }],
    ['413', { method: 'POST', url, headers: json, payload: `"${'x'.repeat(2_000_000)}"` }],
    ['415', { method: 'POST', url, headers: { ...json, 'content-type': 'text/plain' }, payload: 'x' }],
    ['426', { method: 'POST', url, headers: json,
      payload: JSON.stringify({ task_id: 'a', lan_protocol_version: 1, payload: null }) }],
    ['400 bad URL', { url: '/%zz' }],
  ]
  for (const [what, options] of replies) {
    const mine = await built.app.inject({ ...options, headers: {
      ...(options.headers as object), 'x-correlation-id': `sdk-run:${what.replace(/ /g, '_')}` },
    } as never)
    t.equal(mine.headers['x-request-id'], `sdk-run:${what.replace(/ /g, '_')}`, `${what}: echoed`)
    const fresh = await built.app.inject(options as never)
    t.match(fresh.headers['x-request-id'], /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/, `${what}: a fresh ULID`)
  }
})

t.test('HEAD of every GET operation: the GET status, no body', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const key = await mintKey(built.app)
  for (const op of operations(key).filter((o) => o.method === 'GET')) {
    const get = await built.app.inject(request(op))
    const head = await built.app.inject(request(op, { method: 'HEAD' }))
    t.equal(head.statusCode, get.statusCode, `${op.name}: same status`)
    t.equal(head.body, '', `${op.name}: no body`)
    t.equal(head.headers['content-type'], get.headers['content-type'], `${op.name}: same type`)
  }
})

t.test('on a real socket: malformed HTTP gets the envelope, not Node\'s bare reply', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const port = await listen(built.app)
  const cases: [string, string, number, string][] = [
    ['a request line that is no HTTP', 'HELLO\r\n\r\n', 400, 'malformed_request'],
    ['a header without a colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nbroken\r\n\r\n', 400,
      'malformed_request'],
    ['a bad Content-Length', 'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n', 400,
      'malformed_request'],
    ['headers over the size limit',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431,
      'request_headers_too_large'],
  ]
  for (const [what, bytes, status, code] of cases) {
    const reply = await rawRequest(port, bytes)
    t.equal(reply.statusCode, status, `${what}: ${status}`)
    t.match(reply.headers['content-type'], /^application\/json; charset=utf-8$/, `${what}: JSON`)
    const body = JSON.parse(reply.body)
    t.equal(body.error_code, code, `${what}: ${code}`)
    t.equal(body.correlationId, reply.headers['x-request-id'], `${what}: request id`)
    assertReplyConforms(t, built.app, observed('GET', '/', reply))
  }
  // inject (like curl) removes dot segments before sending; only a raw socket sends them.
  const dot = await rawRequest(port,
    `GET ${API}/lan-agent/./meta HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
  t.equal(dot.statusCode, 404, 'a dot segment is not resolved into another path')
  t.equal(JSON.parse(dot.body).error_code, 'route_not_found', 'a dot segment: route_not_found')
  const fine = await rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  t.equal(fine.statusCode, 200, 'the server still answers well-formed requests')
})
