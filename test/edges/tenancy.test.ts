import t from 'tap'
import { buildTestApp, forEachStore, type TestApp } from '../fixtures/app.js'
import { BOOTSTRAP_TOKEN_URL, bootstrapBody, shown, taskSpecBody } from '../fixtures/operations.js'
import {
  ALICE, BOB, BOB_ID, CAROL, INT_A1, INT_A2, INT_B1, ORG_A, ORG_B, taskSpecUrl, tasksUrl,
} from '../fixtures/seed.js'

/**
 * http-edges.md case 17 and its kind: every way of reaching another org's data (X-Org, the
 * integration in the path or the body, the claims of an agent token) over both integration
 * operations and bootstrap-token, checked never to leak org B's task ids.
 */
const B_TASK = 'org-b-secret-task'

/** Queues a task in org B as bob, so a leak would show its id. */
async function seedOrgB(built: TestApp) {
  const reply = await built.app.inject({
    method: 'POST', url: taskSpecUrl(INT_B1), headers: { ...BOB, 'x-org': ORG_B },
    payload: taskSpecBody({ task_id: B_TASK }),
  })
  if (reply.statusCode !== 200) throw new Error(`seeding org B answered ${reply.statusCode}`)
}

const integrationRequests = (integration: string, headers: Record<string, string>) => [
  { name: 'tasks', method: 'GET' as const, url: tasksUrl(integration), headers },
  { name: 'task-spec', method: 'POST' as const, url: taskSpecUrl(integration), headers,
    payload: taskSpecBody({ task_id: 'from-a' }) },
]

t.test('case 17: alice never reaches org B, whichever way she asks', (t) =>
  forEachStore(t, async (t, kind) => {
    const built = await buildTestApp(t, { store: kind })
    if (!built) return
    await seedOrgB(built)
    const agent = async (integration: string | null, orgs = [ORG_A]) =>
      `Bearer ${(await built.app.tokens.signAgentToken(
        { sub: '01KDVDNA00TTN1C5B5Q54EGGYP', orgs, integration_id: integration, task_id: null },
        600,
      )).token}`
    const attempts: [string, string, Record<string, string>, number, string][] = [
      ['X-Org of org B', INT_B1, { ...ALICE, 'x-org': ORG_B }, 403, 'forbidden_org'],
      ['X-Org of org B, lower case', INT_B1, { ...ALICE, 'x-org': ORG_B.toLowerCase() }, 403,
        'forbidden_org'],
      ['org A with INT_B1', INT_B1, { ...ALICE, 'x-org': ORG_A }, 404, 'integration_not_found'],
      ['org A with INT_B1 in lower case', INT_B1.toLowerCase(), { ...ALICE, 'x-org': ORG_A }, 404,
        'integration_not_found'],
      ['X-Org of A and B joined', INT_B1, { ...ALICE, 'x-org': `${ORG_A}, ${ORG_B}` }, 400,
        'invalid_org_header'],
      ['X-Org of B then A joined', INT_B1, { ...ALICE, 'x-org': `${ORG_B},${ORG_A}` }, 400,
        'invalid_org_header'],
      ['agent token of org A with X-Org B', INT_B1,
        { authorization: await agent(null), 'x-org': ORG_B }, 403, 'forbidden_org'],
      ['agent token for A1 used on A2', INT_A2,
        { authorization: await agent(INT_A1), 'x-org': ORG_A }, 403, 'forbidden_integration'],
      ['agent token for A1 used on B1 through org A', INT_B1,
        { authorization: await agent(INT_A1), 'x-org': ORG_A }, 404, 'integration_not_found'],
      ['agent token naming B1 but only org A', INT_B1,
        { authorization: await agent(INT_B1), 'x-org': ORG_B }, 403, 'forbidden_org'],
      ['bob in org A', INT_A1, { ...BOB, 'x-org': ORG_A }, 403, 'forbidden_org'],
    ]
    for (const [what, integration, headers, status, code] of attempts) {
      for (const request of integrationRequests(integration, headers)) {
        const reply = await built.app.inject(request)
        t.equal(reply.statusCode, status, `${request.name}, ${what}: ${status}`)
        t.equal(reply.json().error_code, code, `${request.name}, ${what}: ${code}`)
        t.notOk(reply.body.includes(B_TASK), `${request.name}, ${what}: no org B task id`)
      }
    }
    const bob = await built.app.inject({ url: tasksUrl(INT_B1), headers: { ...BOB, 'x-org': ORG_B } })
    t.same(bob.json().task_ids, [B_TASK], 'org B still holds exactly its own task')
    const carol = await built.app.inject({ url: tasksUrl(INT_B1), headers: { ...CAROL, 'x-org': ORG_B } })
    t.same(carol.json().task_ids, [B_TASK], 'a member of both orgs sees org B under X-Org B')
  }),
)

t.test('another org\'s integration and a missing one get the same reply', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const strip = (body: string) => {
    const { correlationId: _drop, ...rest } = JSON.parse(body)
    return rest
  }
  for (const request of [
    ...integrationRequests(INT_B1, { ...ALICE, 'x-org': ORG_A }),
  ]) {
    const other = await built.app.inject(request)
    const missing = await built.app.inject({
      ...request, url: request.url.replace(INT_B1, '01KDVDNA00ZZZZZZZZZZZZZZZZ'),
    })
    t.equal(other.statusCode, missing.statusCode, `${request.name}: same status`)
    t.same(strip(other.body), strip(missing.body), `${request.name}: same body`)
  }
})

t.test('X-Org: every malformed spelling is 400 naming the header', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const malformed = [
    undefined, '', '   ', 'org-a', `${ORG_A}x`, ORG_A.slice(1), `8${ORG_A.slice(1)}`,
    ORG_A.replace('1', 'I'), ORG_A.replace('0', 'O'), ORG_A.replace('1', 'L'),
    ORG_A.replace('D', 'U'), `${ORG_A},${ORG_A}`, `${ORG_A}, ${ORG_A}`, `${ORG_A};${ORG_A}`,
    `${ORG_A} ${ORG_A}`, `"${ORG_A}"`, `${ORG_A}\u0000`, 'Ｏ１ＫＤＶ',
  ]
  for (const value of malformed) {
    for (const request of integrationRequests(INT_A1, { ...ALICE })) {
      const headers: Record<string, string> = { ...request.headers }
      if (value !== undefined) headers['x-org'] = value
      const reply = await built.app.inject({ ...request, headers })
      t.equal(reply.statusCode, 400, `${request.name}, X-Org ${shown(value)}: 400`)
      t.match(reply.json(), { error_code: 'invalid_org_header', message: /X-Org/ },
        `${request.name}, X-Org ${shown(value)}: names the header`)
    }
  }
  for (const value of [ORG_A.toLowerCase(), ` ${ORG_A} `, `\t${ORG_A}`]) {
    const reply = await built.app.inject({ url: tasksUrl(INT_A1), headers: { ...ALICE, 'x-org': value } })
    t.equal(reply.statusCode, 200, `X-Org ${shown(value)}: trimmed and upper-cased, accepted`)
  }
  const repeated = await built.app.inject({
    url: tasksUrl(INT_A1), headers: { ...ALICE, 'x-org': [ORG_A, ORG_A] as unknown as string },
  })
  t.equal(repeated.statusCode, 400, 'a repeated X-Org header, even with one value twice, is 400')
})

t.test('bootstrap-token: X-Org and integration_id stay within the caller\'s orgs', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const before = await built.store.listBootstrapKeys(built.clock.now())
  const mint = (headers: Record<string, string>, extra: Record<string, unknown> = {}) =>
    built.app.inject({ method: 'POST', url: BOOTSTRAP_TOKEN_URL, headers,
      payload: bootstrapBody(extra) })
  const cases: [string, Record<string, string>, Record<string, unknown>, number, string][] = [
    ['X-Org of org B', { ...ALICE, 'x-org': ORG_B }, {}, 403, 'forbidden_org'],
    ['INT_B1 in the body', ALICE, { integration_id: INT_B1 }, 404, 'integration_not_found'],
    ['INT_B1 in lower case', ALICE, { integration_id: INT_B1.toLowerCase() }, 404,
      'integration_not_found'],
    ['INT_B1 under X-Org A', { ...ALICE, 'x-org': ORG_A }, { integration_id: INT_B1 }, 404,
      'integration_not_found'],
    ['X-Org of A and B joined', { ...ALICE, 'x-org': `${ORG_A}, ${ORG_B}` }, {}, 400,
      'invalid_org_header'],
  ]
  for (const [what, headers, extra, status, code] of cases) {
    const reply = await mint(headers, extra)
    t.equal(reply.statusCode, status, `${what}: ${status}`)
    t.equal(reply.json().error_code, code, `${what}: ${code}`)
  }
  t.same(await built.store.listBootstrapKeys(built.clock.now()), before, 'no key was minted')
  const bobKeys = (await built.store.listBootstrapKeys(built.clock.now()))
    .filter((record) => record.userId === BOB_ID)
  t.same(bobKeys, [], 'and none for anyone else')
})
