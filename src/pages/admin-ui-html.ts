/** What the server tells the page when it renders it; none of it is a secret. */
export interface AdminPageSettings {
  /** Where the admin API lives, e.g. `/__admin`. */
  adminBase: string
  /** Whether the admin API wants `Authorization: Bearer <ADMIN_TOKEN>`; the page then asks. */
  tokenRequired: boolean
  pollMs: number
  /** Link to the API reference, when /docs is served. */
  docsPath: string | null
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char)
}

/** Steps offered by "Clock forward"; the default outlasts a bootstrap key's 600 s. */
const CLOCK_STEPS: [seconds: number, label: string][] = [
  [60, '1 min'],
  [600, '10 min'],
  [3600, '1 h'],
  [86_400, '1 day'],
]
const DEFAULT_CLOCK_STEP = 3600

/**
 * The live view's page: its frame, headings and controls, rendered here; its data is filled in
 * by app.js from the admin API's JSON, so the HTML carries no state and no credential.
 */
export function renderAdminPage(settings: AdminPageSettings): string {
  const base = escapeHtml(settings.adminBase)
  const steps = CLOCK_STEPS.map(([seconds, label]) => {
    const selected = seconds === DEFAULT_CLOCK_STEP ? ' selected' : ''
    return `<option value="${seconds}"${selected}>+${escapeHtml(label)}</option>`
  }).join('')
  const docsLink = settings.docsPath
    ? `<a class="link" href="${escapeHtml(settings.docsPath)}">API reference</a>`
    : ''
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>lan-agent-server · live state</title>
<link rel="stylesheet" href="${base}/ui/app.css">
<script type="module" src="${base}/ui/app.js"></script>
</head>
<body data-admin-base="${base}" data-token-required="${settings.tokenRequired}"
  data-poll-ms="${settings.pollMs}">
<header class="top">
  <h1>lan-agent-server <span class="sub">live state</span></h1>
  <p id="status" class="status" role="status" aria-live="polite">Connecting…</p>
  <nav class="actions" aria-label="Server controls">
    <button id="reset" type="button" class="danger">Reset to seed</button>
    <span class="group">
      <select id="forward-by" aria-label="How far to move the clock">${steps}</select>
      <button id="forward" type="button">Clock forward</button>
    </span>
    <button id="rotate" type="button">Rotate signing key</button>
    ${docsLink}
  </nav>
  <p id="flash" class="flash" role="alert" hidden></p>
</header>

<section id="token-panel" class="panel token" hidden>
  <form id="token-form">
    <label for="token-input">Admin token</label>
    <input id="token-input" type="password" autocomplete="off" spellcheck="false" required>
    <button type="submit">Use token</button>
    <button id="forget-token" type="button" class="quiet">Forget</button>
  </form>
  <p class="hint">This server wants <code>ADMIN_TOKEN</code>. It is kept in this tab's
    sessionStorage only and sent as <code>Authorization: Bearer</code> to the admin API.</p>
  <p id="token-error" class="error" hidden></p>
</section>

<main id="content">
  <div class="cards">
    <section class="panel">
      <h2>Clock</h2>
      <dl id="clock" class="facts"></dl>
    </section>
    <section class="panel">
      <h2>Armed faults</h2>
      <div id="faults"></div>
    </section>
    <section class="panel">
      <h2>Signing keys</h2>
      <div id="signing"></div>
    </section>
  </div>
  <section class="panel">
    <h2>Bootstrap keys</h2>
    <div id="bootstrap-keys"></div>
  </section>
  <section class="panel">
    <h2>Orgs, integrations and queues</h2>
    <div id="orgs"></div>
  </section>
  <section class="panel">
    <h2>Recent requests <span class="sub" id="journal-note"></span></h2>
    <div id="requests"></div>
  </section>
</main>
<footer id="footer" class="footer"></footer>
</body>
</html>
`
}
