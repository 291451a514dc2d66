import fc from 'fast-check'
import t, { type Test } from 'tap'
import { buildTestApp, type StoreKind, type TestApp } from '../fixtures/app.js'
import { responseContract } from '../fixtures/contract.js'
import {
  BOOTSTRAP_SCRIPT_URL, BOOTSTRAP_TOKEN_URL, mintKey, shown, storeSnapshot,
} from '../fixtures/operations.js'
import {
  ALICE, ALICE_SESSION, API, BOB, CAROL, INT_A1, INT_A2, INT_B1, ORG_A, ORG_B, apiKey,
  taskSpecUrl, tasksUrl,
} from '../fixtures/seed.js'

/**
 * Requests generated from the operation schemas, valid and not (wrong types, missing and extra
 * fields, odd and unicode strings, huge numbers, deep nesting, prototype keys), with generated
 * headers, against every operation. Whatever comes in: never a 5xx, every reply as the
 * document says (errors in the envelope), and a refused request leaves the store as it was.
 * Runs are bounded and seeded, so the file is deterministic and stays well under a minute;
 * FC_SEED and FC_RUNS override them to explore further.
 */
const SEED = Number(process.env.FC_SEED ?? 4455)
const RUNS = Number(process.env.FC_RUNS ?? 300)

interface GeneratedRequest {
  method: string
  url: string
  headers: Record<string, string>
  /** The body as sent: JSON text, or any text. */
  payload?: string
}

const MISSING = Symbol('missing')
type Maybe<T> = T | typeof MISSING

const ulid = fc.stringMatching(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/)
const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '\u2028', '\ufeff', '😀', 'serve', "'; rm -rf /", '$(id)',
    '`id`', 'a\nb', 'a'.repeat(129), 'a'.repeat(3000), '__proto__', 'constructor', 'toString',
    '../../etc/passwd', '%zz', 'null', 'true', '0', 'http://', 'javascript:alert(1)'),
)
const hugeNumber = fc.oneof(
  fc.constantFrom(1e308, -1e308, 2 ** 53, 2 ** 63, 2 ** 31, 2 ** 31 - 1, -1, 0, 0.5, 1e-300, -2),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
)
/** Raw JSON number texts that JavaScript cannot hold exactly, or at all. */
const numberText = fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '1.0',
  '-0', '1E2', '0.000000000000000000000000001')
const jsonValue = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' })
const anyValue = fc.oneof(jsonValue, oddString, hugeNumber)

/** JSON nested `depth` levels deep, in arrays or objects. */
const deepJson = fc.tuple(
  fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1000, max: 60_000 })),
  fc.boolean(),
).map(([depth, arrays]) =>
  arrays ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)

/** Keys that pollute prototypes or shadow builtins, as own properties of a JSON object. */
const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty',
  'toString', 'valueOf', '', ' ', 'task_id ', 'TASK_ID', '\u0000')

/** Builds JSON text from fields; MISSING drops one. Own keys such as __proto__ survive. */
function objectText(fields: Record<string, unknown>, rawFields: [string, string][] = []): string {
  const entries = Object.entries(fields).filter(([, value]) => value !== MISSING)
  const parts = entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`)
  for (const [key, raw] of rawFields) parts.push(`${JSON.stringify(key)}:${raw}`)
  return `{${parts.join(',')}}`
}

/** One field's value: the valid generator most of the time, anything else otherwise. */
function field<T>(valid: fc.Arbitrary<T>, required: boolean): fc.Arbitrary<Maybe<T | unknown>> {
  const invalid: fc.Arbitrary<unknown>[] = [anyValue, fc.constant(null)]
  return fc.oneof(
    { weight: 16, arbitrary: valid },
    { weight: 2, arbitrary: fc.oneof(...invalid) },
    { weight: required ? 1 : 3, arbitrary: fc.constant(MISSING) },
  )
}

/**
 * A body: the operation's fields, each valid or not, maybe an extra field, maybe a raw value
 * (deep nesting, numbers beyond a double) in place of one, or not an object at all.
 */
function body(fields: Record<string, fc.Arbitrary<unknown>>, rawField: string): fc.Arbitrary<string> {
  const object = fc.tuple(
    fc.record(fields),
    fc.option(fc.tuple(fc.oneof(hostileKey, fc.string({ maxLength: 8 })), anyValue), { freq: 8 }),
    fc.option(fc.oneof(deepJson, numberText), { freq: 8 }),
  ).map(([values, extra, raw]) => {
    const all: Record<string, unknown> = { ...values }
    if (extra) Object.defineProperty(all, extra[0], { value: extra[1], enumerable: true })
    const rawFields: [string, string][] = []
    if (raw !== null) {
      delete all[rawField]
      rawFields.push([rawField, raw])
    }
    return objectText(all, rawFields)
  })
  return fc.oneof(
    { weight: 16, arbitrary: object },
    { weight: 1, arbitrary: jsonValue.map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), deepJson) },
  )
}

const credential = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<Record<string, string>>(ALICE, CAROL, ALICE_SESSION,
    { authorization: `bearer  ${apiKey('dev-alice-key')}` }) },
  { weight: 2, arbitrary: fc.constantFrom<Record<string, string>>(BOB, {},
  { authorization: `Bearer ${apiKey('nope')}` },
  { authorization: 'Basic YWxpY2U6eA==' },
  { authorization: 'Bearer a.b.c' },
  { 'x-api-key': `${apiKey('dev-alice-key')}, ${apiKey('dev-bob-key')}` }) },
)
const orgHeader = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<Maybe<string>>(ORG_A, ORG_A.toLowerCase(), ORG_B) },
  { weight: 2, arbitrary: fc.oneof(fc.constant<Maybe<string>>(MISSING), oddString, ulid,
    fc.constant(`${ORG_A}, ${ORG_B}`)) },
)
const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<Maybe<string>>('application/json',
    'Application/JSON; Charset=UTF-8') },
  { weight: 2, arbitrary: fc.constantFrom<Maybe<string>>(MISSING, 'text/plain',
    'application/x-www-form-urlencoded', 'application/vnd.api+json', 'multipart/form-data', '') },
)
const integrationInPath = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(INT_A1, INT_A2, INT_A1.toLowerCase()) },
  { weight: 2, arbitrary: fc.oneof(fc.constant(INT_B1), ulid,
    oddString.map((s) => encodeURIComponent(s.slice(0, 300)))) },
)
const correlationId = fc.option(oddString, { freq: 3 })

function headers(parts: Record<string, Maybe<string> | Record<string, string> | null>) {
  const result: Record<string, string> = {}
  for (const [name, value] of Object.entries(parts)) {
    if (value === MISSING || value === null || value === undefined) continue
    if (typeof value === 'object') Object.assign(result, value)
    else result[name] = value
  }
  return result
}

const taskSpecRequest = fc.record({
  integration: integrationInPath,
  credential, org: orgHeader, type: contentType, correlation: correlationId,
  payload: body({
    lan_protocol_version: field(fc.integer({ min: 0, max: 6 }), true),
    task_id: field(fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/), true),
    payload: field(jsonValue, true),
  }, 'payload'),
}).map((r): GeneratedRequest => ({
  method: 'POST', url: taskSpecUrl(r.integration), payload: r.payload,
  headers: headers({ credential: r.credential, 'x-org': r.org, 'content-type': r.type,
    'x-correlation-id': r.correlation }),
}))

const bootstrapTokenRequest = fc.record({
  credential, org: fc.option(orgHeader, { freq: 3 }), type: contentType,
  payload: body({
    task_id: field(fc.oneof(fc.constant('serve'), fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/)),
      true),
    api_base_url: field(fc.oneof(fc.constantFrom('http://localhost:4455/api/v1',
      'https://app.example.test/api/v1'), fc.webUrl()), true),
    integration_id: field(fc.constantFrom(null, INT_A1, INT_A2, INT_B1, INT_A1.toLowerCase()),
      false),
    device_id: field(fc.option(fc.string({ maxLength: 40 })), false),
  }, 'device_id'),
}).map((r): GeneratedRequest => ({
  method: 'POST', url: BOOTSTRAP_TOKEN_URL, payload: r.payload,
  headers: headers({ credential: r.credential, 'x-org': r.org, 'content-type': r.type }),
}))

const cliTokenRequest = fc.record({
  credential, type: contentType,
  payload: fc.option(fc.oneof(body({ anything: field(anyValue, false) }, 'anything'),
    fc.constantFrom('', 'null', '{}', '[]')), { freq: 3 }),
}).map((r): GeneratedRequest => ({
  method: 'POST', url: `${API}/lan-agent/cli/token`,
  headers: headers({ credential: r.credential, 'content-type': r.type }),
  ...(r.payload === null ? {} : { payload: r.payload }),
}))

const tasksRequest = fc.record({
  integration: integrationInPath, credential, org: orgHeader, correlation: correlationId,
  method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'DELETE'),
}).map((r): GeneratedRequest => ({
  method: r.method, url: tasksUrl(r.integration),
  headers: headers({ credential: r.credential, 'x-org': r.org, 'x-correlation-id': r.correlation }),
}))

const metaRequest = fc.record({
  credential, type: fc.option(contentType), correlation: correlationId,
  method: fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'OPTIONS'),
  query: fc.option(oddString.map((s) => `?${encodeURIComponent(s)}=${encodeURIComponent(s)}`)),
}).map((r): GeneratedRequest => ({
  method: r.method, url: `${API}/lan-agent/meta${r.query ?? ''}`,
  headers: headers({ credential: r.credential, 'content-type': r.type ?? MISSING,
    'x-correlation-id': r.correlation }),
}))

function bootstrapScriptRequest(liveKey: string) {
  const key = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(liveKey, liveKey.toLowerCase(), ` ${liveKey}`) },
    { weight: 3, arbitrary: fc.oneof(ulid, oddString) },
  )
  return fc.record({
    keys: fc.array(key, { minLength: 0, maxLength: 3 }),
    accept: fc.option(fc.constantFrom('application/json', '*/*', 'text/x-shellscript',
      'text/html;q=0.9, application/json;q=1')),
    method: fc.constantFrom('GET', 'GET', 'HEAD'),
  }).map((r): GeneratedRequest => ({
    method: r.method,
    url: `${BOOTSTRAP_SCRIPT_URL}${r.keys.length ? '?' : ''}` +
      r.keys.map((k) => `key=${encodeURIComponent(k)}`).join('&'),
    headers: headers({ accept: r.accept ?? MISSING }),
  }))
}

/** Every property the server must hold for one request; a message for each broken one. */
async function violations(built: TestApp, request: GeneratedRequest): Promise<string[]> {
  const before = await storeSnapshot(built.store, built.clock.now())
  const reply = await built.app.inject({
    method: request.method as 'GET', url: request.url, headers: request.headers,
    ...(request.payload === undefined ? {} : { payload: request.payload }),
  })
  const problems = responseContract(built.app).check({
    method: request.method, url: request.url, statusCode: reply.statusCode,
    headers: reply.headers, body: reply.body, requestHeaders: request.headers,
  })
  if (reply.statusCode >= 500) problems.push(`answered ${reply.statusCode}: ${reply.body}`)
  const after = await storeSnapshot(built.store, built.clock.now())
  if (reply.statusCode >= 400 && after !== before) {
    problems.push(`a refused request (${reply.statusCode}) changed the store`)
  }
  if (reply.statusCode < 400 && request.method === 'POST' && request.url.includes('/task-spec')) {
    const sent = JSON.parse(request.payload ?? '{}') as Record<string, unknown>
    const spec = reply.json().spec as { payload: unknown }
    if (JSON.stringify(spec.payload) !== JSON.stringify(sent.payload)) {
      problems.push('the stored payload is not the payload sent')
    }
    if (Object.keys(sent).some((k) => !['lan_protocol_version', 'task_id', 'payload'].includes(k))) {
      problems.push('a body with an unknown field was accepted')
    }
  }
  if (reply.statusCode < 400 && request.method !== 'POST' && after !== before) {
    problems.push(`a ${request.method} changed the store`)
  }
  return problems
}

async function check(t: Test, built: TestApp, name: string,
  arbitrary: fc.Arbitrary<GeneratedRequest>, runs: number) {
  let broken = ''
  try {
    await fc.assert(
      fc.asyncProperty(arbitrary, async (request) => {
        const problems = await violations(built, request)
        if (problems.length > 0) {
          broken = `${request.method} ${request.url}: ${problems.join('; ')}`
          throw new Error(broken)
        }
      }),
      { seed: SEED, numRuns: runs, endOnFailure: true },
    )
    t.pass(`${name}: ${runs} generated requests hold every property`)
  } catch (error) {
    // Counterexamples hold unicode that would break TAP lines: both texts are escaped.
    t.fail(`${name}: ${shown(broken, 1500)}`)
    t.comment(shown((error as Error).message, 3000))
  }
}

async function runAll(t: Test, kind: StoreKind, runs: number) {
  const built = await buildTestApp(t, { store: kind })
  if (!built) return
  const key = await mintKey(built.app)
  const arbitraries: [string, fc.Arbitrary<GeneratedRequest>][] = [
    ['meta', metaRequest],
    ['cli token', cliTokenRequest],
    ['bootstrap-token', bootstrapTokenRequest],
    ['bootstrap.sh', bootstrapScriptRequest(key)],
    ['task-spec', taskSpecRequest],
    ['tasks', tasksRequest],
  ]
  for (const [name, arbitrary] of arbitraries) await check(t, built, name, arbitrary, runs)
}

t.test('generated requests on the memory store', (t) => runAll(t, 'memory', RUNS))
t.test('generated requests on Redis', (t) => runAll(t, 'redis', Math.ceil(RUNS / 4)))

t.test('the generators reach both outcomes: accepted and refused', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const key = await mintKey(built.app)
  const arbitraries: [string, fc.Arbitrary<GeneratedRequest>][] = [
    ['cli token', cliTokenRequest],
    ['bootstrap-token', bootstrapTokenRequest],
    ['bootstrap.sh', bootstrapScriptRequest(key)],
    ['task-spec', taskSpecRequest],
    ['tasks', tasksRequest],
  ]
  for (const [name, arbitrary] of arbitraries) {
    const statuses = new Set<number>()
    for (const request of fc.sample(arbitrary, { seed: SEED, numRuns: 200 })) {
      const reply = await built.app.inject({
        method: request.method as 'GET', url: request.url, headers: request.headers,
        ...(request.payload === undefined ? {} : { payload: request.payload }),
      })
      statuses.add(reply.statusCode)
    }
    t.ok(statuses.has(200), `${name}: some generated requests succeed (${[...statuses].sort()})`)
    t.ok([...statuses].some((s) => s >= 400), `${name}: some are refused`)
  }
})
