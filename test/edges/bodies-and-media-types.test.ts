import t from 'tap'
import { buildTestApp } from '../fixtures/app.js'
import {
  operations, shown, storeSnapshot, taskSpecBody, type OperationCase,
} from '../fixtures/operations.js'
import { ALICE, API, INT_A1, ORG_A, taskSpecUrl } from '../fixtures/seed.js'

/**
 * http-edges.md cases 1-3 over every operation that takes a JSON body (cli token,
 * bootstrap-token, task-spec): what counts as JSON, what is 415, malformed and oversized bodies.
 * Every reply is also checked against the OpenAPI document by the app fixture.
 */
const jsonOperations = () => operations().filter((op) => op.json)

const send = (op: OperationCase, contentType: string | undefined, payload: string | undefined,
  headers: Record<string, string> = {}) => ({
  method: op.method,
  url: op.url,
  headers: { ...op.headers, ...(contentType === undefined ? {} : { 'content-type': contentType }),
    ...headers },
  ...(payload === undefined ? {} : { payload }),
})

t.test('case 1: no body, an empty JSON body, {} and null are one request on cli/token', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const url = `${API}/lan-agent/cli/token`
  const variants: [string, Record<string, string>, string | undefined][] = [
    ['no content type, no body', {}, undefined],
    ['JSON type, Content-Length 0', { 'content-type': 'application/json', 'content-length': '0' }, ''],
    ['JSON type, whitespace only', { 'content-type': 'application/json' }, ' \r\n\t '],
    ['{}', { 'content-type': 'application/json' }, '{}'],
    ['null', { 'content-type': 'application/json' }, 'null'],
    ['an object with fields', { 'content-type': 'application/json' }, '{"ignored":true}'],
  ]
  for (const [what, headers, payload] of variants) {
    const reply = await built.app.inject({ method: 'POST', url, headers: { ...ALICE, ...headers },
      ...(payload === undefined ? {} : { payload }) })
    t.equal(reply.statusCode, 200, `${what}: 200`)
    t.equal(reply.json().token_type, 'Bearer', `${what}: a token`)
  }
  for (const payload of ['[]', '"text"', '1', 'true']) {
    const reply = await built.app.inject({ method: 'POST', url,
      headers: { ...ALICE, 'content-type': 'application/json' }, payload })
    t.equal(reply.statusCode, 400, `${payload}: a JSON value that is not an object is 400`)
    t.equal(reply.json().error_code, 'invalid_request', `${payload}: invalid_request`)
  }
})

t.test('case 1: an empty body where one is required is 400, never 500', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  for (const op of jsonOperations().filter((o) => o.name !== 'cli token')) {
    for (const payload of [undefined, '', 'null']) {
      const reply = await built.app.inject(send(op, 'application/json', payload))
      t.equal(reply.statusCode, 400, `${op.name}, body ${shown(payload)}: 400`)
      t.equal(reply.json().error_code, 'invalid_request', `${op.name}: invalid_request`)
    }
  }
})

t.test('case 1: malformed JSON on every JSON route is 400 invalid_json', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const malformed = ['{"a":', '{', '{"a":1}}', "{'a':1}", '{"a":1,}', '[1,]', 'NaN', '{"a":01}',
    'undefined', '{"a":1} x', '"unterminated', '{"a":"\u0000"}', '\ufeff\ufeff{}']
  for (const op of jsonOperations()) {
    const before = await storeSnapshot(built.store, built.clock.now())
    for (const text of malformed) {
      const reply = await built.app.inject(send(op, 'application/json', text))
      const what = `${op.name} ${shown(text)}`
      t.equal(reply.statusCode, 400, `${what}: 400`)
      t.equal(reply.json().error_code, 'invalid_json', `${what}: invalid_json`)
    }
    t.equal(await storeSnapshot(built.store, built.clock.now()), before, `${op.name}: nothing stored`)
  }
})

t.test('case 1 (decision): a body sent with GET or HEAD is ignored', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  for (const op of operations().filter((o) => o.name === 'meta' || o.name === 'tasks')) {
    const reply = await built.app.inject(send(op, 'application/json', '{"a":'))
    t.equal(reply.statusCode, 200, `${op.name}: a malformed GET body changes nothing`)
  }
})

t.test('case 2: every spelling of application/json is JSON', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const spellings = [
    'application/json',
    'Application/JSON; Charset=UTF-8',
    'application/json;charset=utf-8',
    'application/json; charset="UTF-8"',
    'APPLICATION/JSON',
    'application/json ; charset=utf-8',
    ' application/json',
    'application/json;',
    // RFC 8259 section 11 defines no charset for JSON; the body is read as UTF-8 whatever it says.
    'application/json; charset=iso-8859-1',
  ]
  for (const op of jsonOperations()) {
    for (const type of spellings) {
      const reply = await built.app.inject(send(op, type, JSON.stringify(op.body)))
      t.equal(reply.statusCode, 200, `${op.name} with ${shown(type)}: accepted`)
    }
  }
})

t.test('case 2: other media types are 415 naming application/json on every JSON route', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const refused = [
    'application/x-www-form-urlencoded',
    'text/plain',
    'text/plain; charset=utf-8',
    'text/json',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/octet-stream',
    // Decision: only application/json is JSON. A `+json` type means something else (JSON:API,
    // a merge patch), and accepting it would pass SDKs the upstream may refuse.
    'application/vnd.api+json',
    'application/merge-patch+json',
    'application/json-patch+json',
    'application/jsonx',
    'application/json-seq',
    'json',
  ]
  for (const op of jsonOperations()) {
    const before = await storeSnapshot(built.store, built.clock.now())
    for (const type of refused) {
      // The body is JSON text: it must still never reach a handler as a string.
      const reply = await built.app.inject(send(op, type, JSON.stringify(op.body)))
      const what = `${op.name} with ${type}`
      t.equal(reply.statusCode, 415, `${what}: 415`)
      t.match(reply.json(), { error_code: 'unsupported_media_type', message: /application\/json/ },
        `${what}: the envelope names application/json`)
    }
    const noType = await built.app.inject(send(op, undefined, JSON.stringify(op.body)))
    t.equal(noType.statusCode, 415, `${op.name}: a body without Content-Type is 415`)
    t.equal(await storeSnapshot(built.store, built.clock.now()), before,
      `${op.name}: nothing stored by a refused media type`)
  }
})

t.test('case 2: a form body (what curl -d sends) is 415 before anything is parsed', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  for (const op of jsonOperations()) {
    const form = new URLSearchParams(
      Object.entries(op.body ?? { a: '1' }).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString()
    const reply = await built.app.inject(send(op, 'application/x-www-form-urlencoded', form))
    t.equal(reply.statusCode, 415, `${op.name}: 415`)
  }
})

t.test('case 3: a 2 MiB payload is 413 with the limit in the message', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const headers = { ...ALICE, 'x-org': ORG_A }
  const reply = await built.app.inject({
    method: 'POST', url: taskSpecUrl(INT_A1), headers,
    payload: taskSpecBody({ payload: 'x'.repeat(2 * 1024 * 1024) }),
  })
  t.equal(reply.statusCode, 413, '413')
  t.match(reply.json(), { error_code: 'payload_too_large', message: /\d+ bytes/, limit_bytes: Number },
    'envelope stating the limit')
  t.match(reply.json().message, new RegExp(`${reply.json().limit_bytes} bytes`),
    'the message states the same limit as limit_bytes')
})

t.test('case 3: every JSON route has a limit of its own, stated in its 413', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const limits: Record<string, number> = {}
  for (const op of jsonOperations()) {
    const before = await storeSnapshot(built.store, built.clock.now())
    const big = JSON.stringify({ ...op.body, payload: 'x'.repeat(3 * 1024 * 1024) })
    const reply = await built.app.inject(send(op, 'application/json', big))
    t.equal(reply.statusCode, 413, `${op.name}: 413`)
    const json = reply.json()
    t.match(json, { error_code: 'payload_too_large', limit_bytes: Number }, `${op.name}: envelope`)
    t.match(json.message, new RegExp(`\\b${json.limit_bytes}\\b`), `${op.name}: limit stated`)
    limits[op.name] = json.limit_bytes
    t.equal(await storeSnapshot(built.store, built.clock.now()), before, `${op.name}: nothing stored`)
  }
  t.ok(limits['cli token']! <= 16 * 1024, 'cli/token keeps a small limit')
  t.ok(limits['bootstrap-token']! <= 64 * 1024, 'bootstrap-token keeps a small limit')
  t.ok(limits['task-spec']! > 256 * 1024, 'task-spec takes a 256 KiB payload and its envelope')
})

t.test('JSON that parses but must not be taken: depth, infinite numbers, prototype keys',
  async (t) => {
    const built = await buildTestApp(t)
    if (!built) return
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`
    // Sized to fit under the smallest body limit (1 KiB), so each reaches the parser.
    const hostile: [string, string][] = [
      ['200 nested arrays', deep(200)],
      ['130 nested objects', `${'{"a":'.repeat(130)}1${'}'.repeat(130)}`],
      ['a number beyond a double', '1e400'],
      ['a negative one', '-1e400'],
      ['__proto__', '{"__proto__":{"polluted":true}}'],
      ['__proto__ deep inside', '{"a":[{"b":{"__proto__":{"polluted":true}}}]}'],
      ['constructor.prototype', '{"constructor":{"prototype":{"polluted":true}}}'],
    ]
    const check = async (op: OperationCase, what: string, value: string) => {
      const body = `{"task_id":"t","lan_protocol_version":2,"api_base_url":"http://a.test",` +
        `"payload":${value}}`
      const reply = await built.app.inject(send(op, 'application/json', body))
      t.equal(reply.statusCode, 400, `${op.name}, ${what}: 400, not 500`)
      t.equal(reply.json().error_code, 'invalid_request', `${op.name}, ${what}: invalid_request`)
    }
    for (const op of jsonOperations()) {
      const before = await storeSnapshot(built.store, built.clock.now())
      for (const [what, value] of hostile) await check(op, what, value)
      if (op.name === 'task-spec') {
        // 100,000 levels overflowed the stack in JSON.stringify and answered 500.
        await check(op, '100,000 nested arrays', deep(100_000))
      }
      t.equal(await storeSnapshot(built.store, built.clock.now()), before, `${op.name}: nothing stored`)
    }
    t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched')
    const fine = await built.app.inject({
      method: 'POST', url: taskSpecUrl(INT_A1), headers: { ...ALICE, 'x-org': ORG_A },
      payload: taskSpecBody({ payload: JSON.parse(`${'['.repeat(100)}1${']'.repeat(100)}`),
        extra: undefined }),
    })
    t.equal(fine.statusCode, 200, 'a payload 100 levels deep is still taken')
    const constructorKey = await built.app.inject({
      method: 'POST', url: taskSpecUrl(INT_A1), headers: { ...ALICE, 'x-org': ORG_A },
      payload: taskSpecBody({ payload: { constructor: 'a plain key' } }),
    })
    t.equal(constructorKey.statusCode, 200, 'a key named constructor is only data')
  })

t.test('payloads come back as they were sent: unicode, escapes, numbers', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const payloads = [
    { text: 'é€😀 \u00a0\u2028\u2029 ‘quote’', nul: '\u0000', lone: '\ud800' },
    [0, -0.5, 1e308, -1e-308, 2 ** 53 - 1, true, false, null, '', [], {}],
    'a plain string',
    null,
  ]
  for (const [index, payload] of payloads.entries()) {
    const reply = await built.app.inject({
      method: 'POST', url: taskSpecUrl(INT_A1), headers: { ...ALICE, 'x-org': ORG_A },
      payload: taskSpecBody({ task_id: `unicode-${index}`, payload }),
    })
    t.equal(reply.statusCode, 200, `payload ${index}: stored`)
    t.same(reply.json().spec.payload, payload, `payload ${index}: returned unchanged`)
  }
})
