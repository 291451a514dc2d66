import fp from 'fastify-plugin'
import { BootstrapService } from '../../bootstrap/bootstrap-service.js'

declare module 'fastify' {
  interface FastifyInstance {
    bootstrap: BootstrapService
  }
}

export default fp(
  async (app) => {
    app.decorate(
      'bootstrap',
      new BootstrapService({
        config: app.config,
        clock: app.clock,
        ids: app.ids,
        store: app.store,
        directory: app.directory,
        tokens: app.tokens,
        release: app.agentRelease,
      }),
    )
  },
  { name: 'bootstrap', dependencies: ['core', 'store', 'jwks', 'agent-release'] },
)
