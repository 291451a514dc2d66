import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { authenticate, type Principal } from '../../auth/principal.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null
  }
  interface FastifyInstance {
    /** onRequest hook for operations a dashboard user may call (API key or session). */
    requireUser: (request: FastifyRequest) => Promise<void>
    /** onRequest hook for operations a user or a LAN agent (agent JWT) may call. */
    requireUserOrAgent: (request: FastifyRequest) => Promise<void>
  }
}

/**
 * Authentication runs in onRequest, before the body is read, so an unauthenticated caller gets
 * 401 whatever it sent, and no body of a stranger is ever parsed.
 */
export default fp(
  async (app) => {
    app.decorateRequest('principal', null)
    const hook = (allowAgent: boolean) => async (request: FastifyRequest) => {
      request.principal = await authenticate(request.headers, app.directory, app.tokens, {
        allowAgent,
      })
    }
    app.decorate('requireUser', hook(false))
    app.decorate('requireUserOrAgent', hook(true))
  },
  { name: 'auth', dependencies: ['core', 'jwks'] },
)
