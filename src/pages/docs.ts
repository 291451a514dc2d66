import swaggerUi from '@fastify/swagger-ui'
import type { FastifyPluginAsync } from 'fastify'
import { pageAsset } from './assets.js'
import { docsPrefill, withDevExamples } from './docs-prefill.js'
import { DOCS_PREFIX } from './paths.js'


/**
 * Everything /docs loads comes from this server: Swagger UI's own files, served by the plugin.
 * No `https:` source is allowed, so a page that tried to pull a font or script from a CDN
 * would fail visibly here first, rather than on a machine without internet.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ')

/**
 * Swagger UI takes plugins as functions and writes them into its start-up script as source
 * text; this one hands over to the plugin that docs-prefill.js defines.
 */
const PREFILL_PLUGIN = new Function('system', 'return window.lanAgentDocsPrefill(system)')

/**
 * The API reference at /docs: Swagger UI over the document @fastify/swagger generates, with
 * "try it" calls sent to this server (the document's servers are relative). Its routes are
 * hidden from the document. On with the dev seed outside production, the dev API key is
 * authorized and X-Org and integration_id are filled in.
 */
const docs: FastifyPluginAsync = async (app) => {
  const log = app.log.child({ component: 'docs' })
  const prefill = docsPrefill(app.config, app.seed, app.publicBaseUrl)
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    staticCSP: CONTENT_SECURITY_POLICY,
    // The default would ask validator.swagger.io about the document: an outbound call.
    validatorUrl: false,
    theme: {
      title: 'lan-agent-server API reference',
      js: prefill ? [{ filename: 'prefill.js', content: pageAsset('docs-prefill.js') }] : [],
    },
    uiConfig: {
      layout: 'BaseLayout',
      deepLinking: true,
      displayOperationId: true,
      displayRequestDuration: true,
      requestSnippetsEnabled: true,
      persistAuthorization: false,
      defaultModelsExpandDepth: 0,
      ...(prefill
        ? { plugins: [PREFILL_PLUGIN], lanAgentPrefill: { apiKey: prefill.apiKey } }
        : {}),
    } as Record<string, unknown>,
    ...(prefill
      ? { transformSpecification: (document) => withDevExamples(document, prefill) }
      : {}),
  })
  log.info({ path: DOCS_PREFIX, devPrefill: prefill !== null }, 'API reference served')
}

export default docs
