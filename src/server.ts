import closeWithGrace from 'close-with-grace'
import type { AddressInfo } from 'node:net'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config/load.js'
import { DEV_SEED_PATH } from './seed/load.js'

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`lan-agent-server: ${error.message}\n`)
      process.exit(2)
    }
    throw error
  }

  const app = await buildApp({ config })
  // On SIGTERM/SIGINT: stop accepting, let running requests finish, save state, close Redis,
  // exit 0. Past SHUTDOWN_GRACE_MS, or on a second signal, the process exits 1 regardless.
  // An uncaught error also lands here, so it is logged and the process exits 1 instead of
  // running on in an unknown state.
  closeWithGrace(
    {
      delay: config.SHUTDOWN_GRACE_MS,
      logger: false,
      onTimeout: (delay) => app.log.error({ delay_ms: delay }, 'shutdown took too long; exiting'),
      onSecondSignal: (signal) => app.log.error({ signal }, 'second signal; exiting now'),
      onSecondError: (err) => app.log.error({ err }, 'error while shutting down; exiting now'),
    },
    async ({ signal, err }) => {
      if (err) app.log.error({ err }, 'shutting down after an unexpected error')
      else app.log.info({ signal }, 'shutting down')
      const started = Date.now()
      await app.close()
      app.log.info({ took_ms: Date.now() - started }, 'shut down cleanly')
    },
  )

  await app.listen({ host: config.HOST, port: config.PORT })
  const port = (app.server.address() as AddressInfo).port
  const base = `${app.publicBaseUrl}/api/v1`
  app.log.info(
    {
      port,
      store: app.store.kind,
      seed: config.LAN_AGENT_SEED ?? DEV_SEED_PATH,
      try: `curl -H 'X-API-Key: http://localhost:${port}_openapp_dev-alice-key' ` +
        `-X POST ${base}/lan-agent/cli/token`,
    },
    `lan-agent-server ready: API at ${base}`,
  )
}

main().catch((error: unknown) => {
  process.stderr.write(`lan-agent-server failed to start: ${(error as Error).stack ?? error}\n`)
  process.exit(1)
})
