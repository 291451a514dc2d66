// The live view of /__admin/ui. It polls the admin API's JSON and writes it into the page as
// text (never as markup: paths, task ids and names come from clients). No build step and no
// dependency: the browser runs this file as it is.

const TOKEN_STORAGE_KEY = 'lan-agent-admin-token'
/** Rows of the journal shown; the admin API keeps more. */
const JOURNAL_ROWS = 30
/** How long a key that expired stays on screen, greyed out, after the poll that lost it. */
const EXPIRED_SHOWN_MS = 60_000
const REQUEST_TIMEOUT_MS = 10_000

const body = document.body
const adminBase = body.dataset.adminBase ?? '/__admin'
const pollMs = Number(body.dataset.pollMs) || 1000
const tokenRequired = body.dataset.tokenRequired === 'true'

const $ = (id) => document.getElementById(id)

let token = sessionStorage.getItem(TOKEN_STORAGE_KEY)
let pollTimer = null
let polling = false
let pollAgain = false
let lastOffsetMs = null
let clockFrozen = false
/** Keys of the previous poll, by identity, to tell which ones expired since. */
let previousKeys = new Map()
/** Keys seen expiring: identity -> { key, seenAt (performance.now()) }. */
const recentlyExpired = new Map()
/** Journal rows the reader opened, by `seq`, kept open across polls. */
const openedRequests = new Set()

class AuthError extends Error {}

function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue
    if (name === 'class') element.className = value
    else if (name === 'dataset') Object.assign(element.dataset, value)
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value)
    else element.setAttribute(name, value === true ? '' : String(value))
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    element.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
  return element
}

function table(headings, rows, emptyText, className = null) {
  if (rows.length === 0) return h('p', { class: 'empty' }, emptyText)
  return h(
    'table',
    { class: className },
    h('thead', {}, h('tr', {}, headings.map((heading) => h('th', { scope: 'col' }, heading)))),
    h('tbody', {}, rows),
  )
}

function duration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000))
  const days = Math.floor(total / 86_400)
  const hours = Math.floor((total % 86_400) / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const seconds = total % 60
  const pad = (n) => String(n).padStart(2, '0')
  if (days > 0) return `${days}d ${hours}h`
  if (hours > 0) return `${hours}h ${pad(minutes)}m`
  if (minutes > 0) return `${minutes}m ${pad(seconds)}s`
  return `${seconds}s`
}

/** `2026-12-03T16:20:01.123Z` -> `16:20:01` (the date is shown once, with the clock). */
const timeOf = (iso) => iso.slice(11, 19)
const dateTimeOf = (iso) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`
const shortId = (id) => (id.length > 12 ? `${id.slice(0, 4)}…${id.slice(-6)}` : id)

/**
 * A countdown that ticks between polls: its deadline is on this page's monotonic clock. A frozen
 * server clock (CLOCK_FROZEN_AT) only moves through the admin API, so nothing ticks then.
 */
function countdown(remainingMs, receivedAt) {
  const element = h('span', { class: 'countdown' })
  if (clockFrozen) {
    element.textContent = `expires in ${duration(remainingMs)} (clock frozen)`
    return element
  }
  element.dataset.deadline = String(receivedAt + remainingMs)
  tick(element)
  return element
}

function tick(element) {
  const left = Number(element.dataset.deadline) - performance.now()
  const expired = left <= 0
  element.textContent = expired ? 'expired' : `expires in ${duration(left)}`
  element.classList.toggle('expired', expired)
  element.closest('tr')?.classList.toggle('expired', expired)
}

function tickAll() {
  for (const element of document.querySelectorAll('.countdown[data-deadline]')) tick(element)
}

async function api(method, path, payload) {
  const headers = { accept: 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  if (payload !== undefined) headers['content-type'] = 'application/json'
  const reply = await fetch(`${adminBase}${path}`, {
    method,
    headers,
    body: payload === undefined ? undefined : JSON.stringify(payload),
    cache: 'no-store',
    credentials: 'same-origin',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  })
  const text = await reply.text()
  let json = null
  try {
    json = text ? JSON.parse(text) : null
  } catch {
    json = null
  }
  if (reply.status === 401) throw new AuthError(json?.message ?? 'The admin token was refused.')
  if (!reply.ok) {
    const code = json?.error_code ? ` (${json.error_code})` : ''
    throw new Error(`${method} ${path}: ${reply.status}${code} ${json?.message ?? ''}`.trim())
  }
  return json
}

function renderClock(clock, state) {
  const offset = state.clock_offset_ms
  $('clock').replaceChildren(
    h('dt', {}, 'Server time'),
    h('dd', { id: 'server-time' }, dateTimeOf(state.now)),
    h('dt', {}, 'Ahead of real time'),
    h('dd', { id: 'clock-offset', class: offset > 0 ? 'warn' : '' },
      offset > 0 ? `+${duration(offset)}` : 'no (real time)'),
    h('dt', {}, 'Frozen'),
    h('dd', {}, clock.frozen ? 'yes (CLOCK_FROZEN_AT)' : 'no'),
    h('dt', {}, 'Store'),
    h('dd', {}, state.store),
  )
}

function renderFaults(faults) {
  const rows = faults.map((fault) =>
    h('tr', {},
      h('td', {}, h('code', {}, fault.operation_id)),
      h('td', {}, fault.drop_connection ? 'drop' : fault.status === null ? 'delay' : fault.status),
      h('td', { class: 'num' }, fault.latency_ms ? `${fault.latency_ms} ms` : '–'),
      h('td', { class: 'num' }, fault.remaining === null ? '∞' : fault.remaining),
    ),
  )
  $('faults').replaceChildren(
    table(['operation', 'reply', 'delay', 'left'], rows, 'No faults armed.'),
  )
}

function renderSigning(keys) {
  const rows = keys.keys.map((key) =>
    h('tr', { class: key.signing ? 'current' : '' },
      h('td', {}, h('code', { title: key.kid }, shortId(key.kid))),
      h('td', {}, key.signing ? 'signing' : key.retired_at ? 'retired' : 'published'),
      h('td', {}, key.retired_at
        ? `until ${timeOf(key.retired_at)}`
        : `from ${timeOf(key.activates_at)}`),
    ),
  )
  const note = keys.from_file ? [h('p', { class: 'hint' }, 'From JWKS_PRIVATE_FILE.')] : []
  $('signing').replaceChildren(table(['kid', 'role', 'when'], rows, 'No signing key.'), ...note)
}

const identityOf = (key) => `${key.key_hint}|${key.created_at}|${key.task_id}`

function noteExpiredKeys(state, receivedAt) {
  if (lastOffsetMs !== null && state.clock_offset_ms < lastOffsetMs) recentlyExpired.clear()
  lastOffsetMs = state.clock_offset_ms
  const current = new Map(state.bootstrap_keys.map((key) => [identityOf(key), key]))
  for (const [identity, key] of previousKeys) {
    // Gone before its expiry means removed (a reset), not expired: it is not kept on screen.
    if (!current.has(identity) && Date.parse(key.expires_at) <= state.now_ms) {
      recentlyExpired.set(identity, { key, seenAt: receivedAt })
    }
  }
  for (const [identity, entry] of recentlyExpired) {
    if (receivedAt - entry.seenAt > EXPIRED_SHOWN_MS) recentlyExpired.delete(identity)
  }
  previousKeys = current
}

function renderBootstrapKeys(state, receivedAt) {
  const integrationNames = new Map(
    state.orgs.flatMap((org) => org.integrations.map((i) => [i.id, i.name])),
  )
  const keyRow = (key, live) =>
    h('tr', { class: live ? 'key-row' : 'key-row expired', dataset: { keyHint: key.key_hint } },
      h('td', {}, h('code', {}, key.key_hint)),
      h('td', {}, key.user_name ?? shortId(key.user_id)),
      h('td', {}, h('code', {}, key.task_id)),
      h('td', {}, key.integration_id
        ? integrationNames.get(key.integration_id) ?? shortId(key.integration_id)
        : '–'),
      h('td', {}, timeOf(key.expires_at)),
      h('td', {}, live
        ? countdown(key.expires_in_ms, receivedAt)
        : h('span', { class: 'countdown expired' }, 'expired')),
    )
  const rows = [
    ...state.bootstrap_keys.map((key) => keyRow(key, true)),
    ...[...recentlyExpired.values()].map((entry) => keyRow(entry.key, false)),
  ]
  $('bootstrap-keys').replaceChildren(
    table(['key', 'user', 'task', 'integration', 'expires at', 'countdown'], rows,
      'No live bootstrap keys.'),
  )
}

function renderOrgs(state, receivedAt) {
  const cards = state.orgs.map((org) => {
    const integrations = org.integrations.map((integration) => {
      const { queue } = integration
      const tasks = queue.tasks.map((task) =>
        h('li', { class: 'task' },
          h('code', {}, task.task_id),
          h('span', { class: 'age' }, ` queued ${duration(task.age_ms)} ago, `),
          countdown(task.expires_in_ms, receivedAt)),
      )
      const more = queue.size > queue.tasks.length
        ? h('li', { class: 'hint' }, `… and ${queue.size - queue.tasks.length} more`)
        : null
      return h('tr', { dataset: { integration: integration.id } },
        h('td', {}, integration.name, h('br'), h('code', { class: 'id' }, integration.id)),
        h('td', {}, integration.provider),
        h('td', { class: 'num queue-size' }, queue.size),
        h('td', {}, queue.size === 0
          ? h('span', { class: 'empty' }, 'empty')
          : h('ul', { class: 'tasks' }, tasks, more)),
      )
    })
    const members = org.users.map((user) => user.name).join(', ') || 'no members'
    return h('article', { class: 'org', dataset: { org: org.id } },
      h('h3', {}, org.name, ' ', h('code', { class: 'id' }, org.id)),
      h('p', { class: 'hint' }, `Members: ${members}`),
      table(['integration', 'provider', 'tasks', 'queue (oldest first)'], integrations,
        'No integrations.', 'queues'),
    )
  })
  $('orgs').replaceChildren(...(cards.length ? cards : [h('p', { class: 'empty' }, 'No orgs.')]))
}

function statusClass(status) {
  if (status === null) return 'http dropped'
  if (status >= 500) return 'http s5'
  if (status >= 400) return 'http s4'
  return 'http s2'
}

function renderRequests(journal) {
  const rows = []
  for (const entry of journal.entries) {
    const open = openedRequests.has(entry.seq)
    rows.push(
      h('tr', {
        class: open ? 'request open' : 'request',
        title: 'Show the headers and bodies',
        onclick: () => {
          if (openedRequests.has(entry.seq)) openedRequests.delete(entry.seq)
          else openedRequests.add(entry.seq)
          renderRequests(journal)
        },
      },
      h('td', {}, timeOf(entry.received_at)),
      h('td', {}, entry.method),
      h('td', { class: 'path' }, entry.url),
      h('td', {}, h('span', { class: statusClass(entry.status) },
        entry.status === null ? 'dropped' : entry.status)),
      h('td', { class: 'num' }, `${entry.duration_ms.toFixed(1)} ms`),
      h('td', {}, entry.operation_id ?? '–'),
      h('td', {}, entry.fault ?? ''),
      h('td', {}, h('code', { class: 'id' }, entry.request_id))),
    )
    if (open) {
      const detail = JSON.stringify({ request: entry.request, response: entry.response }, null, 2)
      rows.push(h('tr', { class: 'detail' }, h('td', { colspan: 8 }, h('pre', {}, detail))))
    }
  }
  $('requests').replaceChildren(
    table(['time', 'method', 'path', 'status', 'took', 'operation', 'fault', 'request id'],
      rows, 'No requests yet.'),
  )
  $('journal-note').textContent = `newest first, ${journal.entries.length} shown, ` +
    `secrets redacted (instance ${journal.instance_id})`
}

function render(snapshot) {
  const { state, journal, faults, keys, clock, receivedAt } = snapshot
  clockFrozen = clock.frozen
  noteExpiredKeys(state, receivedAt)
  renderClock(clock, state)
  renderFaults(faults.faults)
  renderSigning(keys)
  renderBootstrapKeys(state, receivedAt)
  renderOrgs(state, receivedAt)
  renderRequests(journal)
  $('footer').textContent =
    `instance ${state.instance_id} · ${state.store} store · polling every ${pollMs} ms`
}

function setStatus(text, kind = 'ok') {
  const status = $('status')
  status.textContent = text
  status.className = `status ${kind}`
}

function flash(text, kind = 'ok') {
  const element = $('flash')
  element.textContent = text
  element.className = `flash ${kind}`
  element.hidden = false
}

function askForToken(message) {
  stopPolling()
  $('token-panel').hidden = false
  $('content').classList.add('locked')
  const error = $('token-error')
  error.textContent = message ?? ''
  error.hidden = !message
  setStatus('Waiting for the admin token', 'warn')
  $('token-input').focus()
}

function forgetToken() {
  token = null
  sessionStorage.removeItem(TOKEN_STORAGE_KEY)
}

async function poll() {
  // A poll asked for while one runs (after an action) runs next, so the page never settles on
  // a state read before the action.
  if (polling) {
    pollAgain = true
    return
  }
  polling = true
  pollAgain = false
  try {
    const [state, journal, faults, keys, clock] = await Promise.all([
      api('GET', '/state'),
      api('GET', `/requests?limit=${JOURNAL_ROWS}`),
      api('GET', '/faults'),
      api('GET', '/keys'),
      api('GET', '/clock'),
    ])
    render({ state, journal, faults, keys, clock, receivedAt: performance.now() })
    setStatus(`Live · updated ${new Date().toLocaleTimeString()}`)
  } catch (error) {
    if (error instanceof AuthError) {
      forgetToken()
      askForToken(error.message)
    } else {
      setStatus(`Cannot read the server state: ${error.message}. Retrying…`, 'error')
    }
  } finally {
    polling = false
    if (pollAgain && pollTimer !== null) void poll()
  }
}

function startPolling() {
  stopPolling()
  $('token-panel').hidden = true
  $('content').classList.remove('locked')
  void poll()
  pollTimer = setInterval(() => {
    if (!document.hidden) void poll()
  }, pollMs)
}

function stopPolling() {
  if (pollTimer !== null) clearInterval(pollTimer)
  pollTimer = null
}

async function act(label, run) {
  const buttons = document.querySelectorAll('.actions button')
  for (const b of buttons) b.disabled = true
  try {
    flash(await run())
  } catch (error) {
    if (error instanceof AuthError) {
      forgetToken()
      askForToken(error.message)
    } else {
      flash(`${label} failed: ${error.message}`, 'error')
    }
  } finally {
    for (const b of buttons) b.disabled = false
    await poll()
  }
}

$('reset').addEventListener('click', () =>
  act('Reset', async () => {
    const reply = await api('POST', '/reset')
    recentlyExpired.clear()
    previousKeys = new Map()
    openedRequests.clear()
    const keys = reply.removed.bootstrap_keys
    return `Back to the seed: tasks, ${keys ?? 'all'} bootstrap key(s), ${reply.removed.faults} ` +
      'fault(s) and fixtures removed; clock back to real time; journal emptied.'
  }),
)

$('forward').addEventListener('click', () =>
  act('Clock forward', async () => {
    const seconds = Number($('forward-by').value)
    const reply = await api('POST', '/clock', { advance_seconds: seconds })
    return `Clock moved forward ${duration(seconds * 1000)}: now ${dateTimeOf(reply.now)}, ` +
      `+${duration(reply.offset_ms)} ahead of real time.`
  }),
)

$('rotate').addEventListener('click', () =>
  act('Key rotation', async () => {
    const reply = await api('POST', '/keys/rotate', {})
    return `Rotated: ${reply.rotated_kid} signs from now on; the previous key stays published ` +
      'until its tokens expire.'
  }),
)

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const value = $('token-input').value.trim()
  if (!value) return
  token = value
  sessionStorage.setItem(TOKEN_STORAGE_KEY, value)
  $('token-input').value = ''
  startPolling()
})

$('forget-token').addEventListener('click', () => {
  forgetToken()
  askForToken()
})

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && pollTimer !== null) void poll()
})
setInterval(tickAll, 250)

if (tokenRequired && !token) askForToken()
else startPolling()
