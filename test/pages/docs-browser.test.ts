import t from 'tap'
import {
  BROWSER_TIMEOUT_MS,
  listeningApp,
  openBrowser,
  requireChromium,
  screenshot,
} from '../fixtures/browser.js'

/** Swagger UI's id of an operation block: its tag (spaces as underscores) and operationId. */
const operation = (tag: string, operationId: string) =>
  `#operations-${tag.replace(/ /g, '_')}-${operationId}`

const TEST_TIMEOUT = { timeout: 6 * BROWSER_TIMEOUT_MS }

t.test('/docs in chromium: "try it" calls reach this server', TEST_TIMEOUT, async (t) => {
  if (!requireChromium(t)) return
  const server = await listeningApp(t)
  if (!server) return
  const { page, foreignRequests, problems } = await openBrowser(t, server.origin)

  await page.goto(`${server.origin}/docs`)
  const meta = page.locator(operation('LAN agent', 'get_lan_agent_meta'))
  await meta.locator('.opblock-summary-control').click()
  await meta.locator('button.try-out__btn').click()
  await meta.locator('button.execute').click()
  const status = meta.locator('.live-responses-table tbody .response-col_status')
  await status.waitFor()
  t.equal((await status.innerText()).trim(), '200', 'GET /lan-agent/meta answered 200 in the page')
  const body = await meta
    .locator('.live-responses-table tbody .response-col_description')
    .innerText()
  t.match(body, '"lan_protocol_version"', 'and the reply body is shown')
  const requestUrl = await meta.locator('.request-url pre').innerText()
  t.equal(requestUrl.trim(), `${server.origin}/api/v1/lan-agent/meta`,
    'the call went to the /api/v1 server of the document, on this origin')
  await meta.scrollIntoViewIfNeeded()
  t.ok(await screenshot(page, 'docs-try-it'), 'screenshot of the call saved')
  await page.evaluate('window.scrollTo(0, 0)')
  t.ok(await screenshot(page, 'docs'), 'screenshot of the page saved')

  // Calls that need a key succeed without typing one: the dev key is authorized at load.
  t.match(await page.locator('.auth-wrapper button.authorize').getAttribute('class'), /locked/,
    'the Authorize button shows a credential in place')
  const tasks = page.locator(operation('LAN agent', 'get_integration_lan_agent_tasks'))
  await tasks.locator('.opblock-summary-control').click()
  await tasks.locator('button.try-out__btn').click()
  await tasks.locator('button.execute').click()
  const tasksStatus = tasks.locator('.live-responses-table tbody .response-col_status')
  await tasksStatus.waitFor()
  t.equal((await tasksStatus.innerText()).trim(), '200',
    'GET …/tasks answered 200 with the prefilled key, X-Org and integration_id')

  t.same(foreignRequests, [], 'the page asked nothing of any other origin (no CDN, no font)')
  t.same(problems, [], 'no console error, page error or CSP violation')
})
