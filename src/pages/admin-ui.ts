import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { pageAsset } from './assets.js'
import { renderAdminPage } from './admin-ui-html.js'

/** The page polls this often; a poll is five small local requests, none of them journaled. */
const POLL_MS = 1000

/**
 * Nothing but this server's own files and API: no inline script, no outside source, no
 * framing. The state arrives as JSON and is written into the page as text, never as markup.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

export interface AdminUiOptions {
  /** Where the admin API lives: the prefix this plugin is registered under. */
  adminBase: string
  docsPath: string | null
}

function pageHeaders(reply: FastifyReply, contentType: string): FastifyReply {
  return reply
    .header('content-type', contentType)
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-cache')
}

/**
 * The live view at /__admin/ui. It is registered only where the admin API is, and beside it
 * rather than inside it: the page and its files carry no data and no token, so they load
 * without one, and every call the page makes goes through the admin API's own token check.
 */
const adminUi: FastifyPluginAsync<AdminUiOptions> = async (app, options) => {
  const admin = app.admin
  if (!admin) throw new Error('the admin UI needs the admin surface')
  const html = renderAdminPage({
    adminBase: options.adminBase,
    tokenRequired: admin.access.token !== undefined,
    pollMs: POLL_MS,
    docsPath: options.docsPath,
  })
  const script = pageAsset('admin-ui.js')
  const styles = pageAsset('admin-ui.css')
  const hidden = { schema: { hide: true } }

  app.get('/ui', hidden, async (_request, reply) =>
    pageHeaders(reply, 'text/html; charset=utf-8').send(html),
  )
  app.get('/ui/app.js', hidden, async (_request, reply) =>
    pageHeaders(reply, 'text/javascript; charset=utf-8').send(script),
  )
  app.get('/ui/app.css', hidden, async (_request, reply) =>
    pageHeaders(reply, 'text/css; charset=utf-8').send(styles),
  )
  app.log.child({ component: 'admin' }).info(
    { path: `${options.adminBase}/ui`, tokenRequired: admin.access.token !== undefined },
    'live view served',
  )
}

export default adminUi
