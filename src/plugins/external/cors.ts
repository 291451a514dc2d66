import cors from '@fastify/cors'
import fp from 'fastify-plugin'

/** Headers a browser client must be able to read for the contract to be usable from a page. */
const EXPOSED_HEADERS = ['X-Request-Id', 'Retry-After', 'Upgrade', 'WWW-Authenticate', 'Allow']

/** Browser access for SDKs tested in a page: open by default locally, closed in production. */
export default fp(
  async (app) => {
    const configured = app.config.CORS_ORIGINS
    const allowAll = configured === '*' || (!configured && app.config.NODE_ENV !== 'production')
    if (!allowAll && !configured) return
    await app.register(cors, {
      origin: allowAll ? true : configured!.split(',').map((origin) => origin.trim()),
      exposedHeaders: EXPOSED_HEADERS,
      allowedHeaders: ['Authorization', 'X-API-Key', 'X-Org', 'X-Correlation-Id', 'Content-Type',
        'Prefer'],
      maxAge: 600,
    })
  },
  { name: 'cors', dependencies: ['core'] },
)
