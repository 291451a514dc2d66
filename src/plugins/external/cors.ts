import cors from '@fastify/cors'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

/** Headers a browser client must be able to read for the contract to be usable from a page. */
const EXPOSED_HEADERS = ['X-Request-Id', 'Retry-After', 'Upgrade', 'WWW-Authenticate', 'Allow']

type CorsCallback = (error: Error | null, options: object) => void

function sameOriginOnly(url: string): boolean {
  return url.startsWith('/__admin') || url.startsWith('/docs')
}

/** Browser access for SDKs tested in a page: open by default locally, closed in production. */
export default fp(
  async (app) => {
    const configured = app.config.CORS_ORIGINS
    const allowAll = configured === '*' || (!configured && app.config.NODE_ENV !== 'production')
    if (!allowAll && !configured) return
    const api = {
      origin: allowAll ? true : configured!.split(',').map((origin) => origin.trim()),
      exposedHeaders: EXPOSED_HEADERS,
      allowedHeaders: ['Authorization', 'X-API-Key', 'X-Org', 'X-Correlation-Id', 'Content-Type',
        'Prefer'],
      maxAge: 600,
    }
    // The admin surface and the pages are never shared with other origins: a page on any web
    // site could otherwise drive a local server's /__admin (add users, reset) from a browser.
    await app.register(cors, () => (request: FastifyRequest, callback: CorsCallback) =>
      callback(null, sameOriginOnly(request.url) ? { origin: false } : api),
    )
  },
  { name: 'cors', dependencies: ['core'] },
)
