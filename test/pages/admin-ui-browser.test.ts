import type { Page } from 'playwright-core'
import t from 'tap'
import { ADMIN_TOKEN } from '../fixtures/admin.js'
import {
  BROWSER_TIMEOUT_MS,
  listeningApp,
  openBrowser,
  requireChromium,
  screenshot,
} from '../fixtures/browser.js'
import { ALICE, API, INT_A1, ORG_A, taskSpecUrl } from '../fixtures/seed.js'

const TEST_TIMEOUT = { timeout: 10 * BROWSER_TIMEOUT_MS }

async function call(origin: string, path: string, init: RequestInit = {}) {
  const reply = await fetch(`${origin}${path}`, {
    ...init,
    headers: { ...ALICE, 'content-type': 'application/json', ...init.headers },
    signal: AbortSignal.timeout(BROWSER_TIMEOUT_MS),
  })
  return { status: reply.status, body: (await reply.json()) as Record<string, unknown> }
}

async function mintKey(origin: string): Promise<string> {
  const reply = await call(origin, `${API}/lan-agent/cli/bootstrap-token`, {
    method: 'POST',
    body: JSON.stringify({
      task_id: 'serve',
      api_base_url: `${origin}/api/v1`,
      integration_id: INT_A1,
    }),
  })
  return reply.body.bootstrap_key as string
}

const hintOf = (key: string) => `${key.slice(0, 4)}…${key.slice(-4)}`
const keyRow = (page: Page, key: string) =>
  page.locator(`tr.key-row[data-key-hint="${hintOf(key)}"]`)

t.test('/__admin/ui in chromium: keys count down, expire with the clock, reset clears',
  TEST_TIMEOUT, async (t) => {
    if (!requireChromium(t)) return
    const server = await listeningApp(t)
    if (!server) return
    const { origin } = server
    const { page, foreignRequests, problems } = await openBrowser(t, origin)

    await page.goto(`${origin}/__admin/ui`)
    await page.locator(`#orgs [data-org="${ORG_A}"]`).waitFor()
    t.equal(await page.locator('#bootstrap-keys').innerText(), 'No live bootstrap keys.',
      'no bootstrap key at first')

    const key = await mintKey(origin)
    const queued = await call(origin, taskSpecUrl(INT_A1), {
      method: 'POST',
      headers: { 'x-org': ORG_A },
      body: JSON.stringify({ task_id: 'door-1', lan_protocol_version: 2, payload: { open: true } }),
    })
    t.equal(queued.status, 200, 'a task is queued through the API')

    const row = keyRow(page, key)
    await row.waitFor()
    const countdown = row.locator('.countdown')
    t.match(await countdown.innerText(), /^expires in (10m 00s|9m \d\ds)$/,
      'the minted key appears with a countdown from its 600 s')
    t.match(await row.innerText(), /alice[\s\S]*serve[\s\S]*A1/, 'with its user, task, integration')
    t.notMatch(await page.content(), key, 'the key itself is nowhere in the page')
    const a1 = page.locator(`#orgs [data-integration="${INT_A1}"]`)
    await a1.locator('.task', { hasText: 'door-1' }).waitFor()
    t.equal(await a1.locator('.queue-size').innerText(), '1', 'A1 shows its one queued task')
    await page.locator('#requests tr.request', { hasText: 'post_integration_lan_agent_task_spec' })
      .waitFor()
    t.pass('the journal shows the API calls')
    t.ok(await screenshot(page, 'admin-ui'), 'screenshot of the live view saved')

    // Names come from clients (here through the fixtures API): they are text, never markup.
    const markup = '<img src=x onerror="window.pwned=1">'
    const fixture = await call(origin, '/__admin/fixtures', {
      method: 'POST',
      body: JSON.stringify({ orgs: [{ name: markup }] }),
    })
    t.equal(fixture.status, 201, 'an org named with markup is added')
    await page.locator('#orgs .org h3', { hasText: markup }).waitFor()
    t.equal(await page.locator('#orgs img').count(), 0, 'its name is shown as text, not an image')
    t.equal(await page.evaluate('window.pwned'), undefined, 'and no script of it ran')

    await page.locator('#forward').click()
    await page.locator('#flash', { hasText: 'Clock moved forward 1h 00m' }).waitFor()
    await row.locator('.countdown.expired').waitFor()
    t.equal(await row.locator('.countdown').innerText(), 'expired', 'the key is shown expired')
    t.match(await page.locator('#clock-offset').innerText(), /^\+1h 00m/, 'the clock offset shows')
    const script = await fetch(`${origin}${API}/lan-agent/cli/bootstrap.sh?key=${key}`,
      { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(BROWSER_TIMEOUT_MS) })
    t.equal(script.status, 401, 'and the server agrees: the key no longer fetches the installer')
    t.ok(await screenshot(page, 'admin-ui-expired'), 'screenshot after the clock moved')

    await page.locator('#rotate').click()
    await page.locator('#flash', { hasText: 'Rotated:' }).waitFor()
    await page.locator('#signing tbody tr:nth-child(2)').waitFor()
    t.pass('after a rotation two signing keys are listed')

    await page.locator('#reset').click()
    await page.locator('#flash', { hasText: 'Back to the seed' }).waitFor()
    await page.locator('#bootstrap-keys', { hasText: 'No live bootstrap keys.' }).waitFor()
    t.equal(await page.locator('#bootstrap-keys').innerText(), 'No live bootstrap keys.',
      'reset: no bootstrap key, not even an expired one')
    await page.locator('#clock-offset', { hasText: 'no (real time)' }).waitFor()
    t.pass('reset: the clock is back to real time')
    t.equal(await a1.locator('.queue-size').innerText(), '0', 'reset: the queue is empty')
    await page.locator('#requests', { hasText: 'No requests yet.' }).waitFor()
    t.pass('reset: the journal is empty')
    t.equal(await page.locator('#orgs .org').count(), 2, 'reset: the fixture org is gone')

    t.same(foreignRequests, [], 'the page asked nothing of any other origin')
    t.same(problems, [], 'no console error, page error or CSP violation')
  })

t.test('/__admin/ui with ADMIN_TOKEN: asks, keeps it for the tab, sends it as a bearer',
  TEST_TIMEOUT, async (t) => {
    if (!requireChromium(t)) return
    const server = await listeningApp(t, { env: { ADMIN_TOKEN } })
    if (!server) return
    const { origin } = server
    const { page, foreignRequests } = await openBrowser(t, origin)
    const sentTokens: string[] = []
    page.on('request', (request) => {
      if (request.url().startsWith(`${origin}/__admin/state`)) {
        sentTokens.push(request.headers().authorization ?? '')
      }
    })

    await page.goto(`${origin}/__admin/ui`)
    await page.locator('#token-panel').waitFor()
    t.same(sentTokens, [], 'nothing is asked of the admin API before a token is given')

    await page.locator('#token-input').fill('not-the-token-0123456789')
    await page.locator('#token-form button[type=submit]').click()
    await page.locator('#token-error', { hasText: 'not valid' }).waitFor()
    t.pass('a wrong token is refused, and the page says so')
    t.equal(await page.evaluate('sessionStorage.getItem("lan-agent-admin-token")'), null,
      'and it is not kept')

    await page.locator('#token-input').fill(ADMIN_TOKEN)
    await page.locator('#token-form button[type=submit]').click()
    await page.locator(`#orgs [data-org="${ORG_A}"]`).waitFor()
    t.ok(await page.locator('#token-panel').isHidden(), 'the right token opens the view')
    t.equal(await page.evaluate('sessionStorage.getItem("lan-agent-admin-token")'), ADMIN_TOKEN,
      'it is kept in sessionStorage for this tab')
    t.equal(sentTokens.at(-1), `Bearer ${ADMIN_TOKEN}`, 'and sent as Authorization: Bearer')

    await page.reload()
    await page.locator(`#orgs [data-org="${ORG_A}"]`).waitFor()
    t.ok(await page.locator('#token-panel').isHidden(), 'a reload of the tab needs no new entry')
    t.same(foreignRequests, [], 'the page asked nothing of any other origin')
  })
