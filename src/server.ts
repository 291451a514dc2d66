import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config/load.js'
import { DEV_SEED_PATH } from './seed/load.js'

/** In-flight requests get this long to finish after SIGTERM/SIGINT before the process exits. */
const SHUTDOWN_GRACE_MS = 10_000

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
  closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an unexpected error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
  })

  await app.listen({ host: config.HOST, port: config.PORT })
  if (config.NODE_ENV === 'production' && config.LAN_AGENT_SEED === undefined) {
    app.log.warn('serving the dev seed in production (ALLOW_DEV_SEED=true): its keys are public')
  }
  const base = `${app.publicBaseUrl}/api/v1`
  app.log.info(
    {
      store: app.store.kind,
      seed: config.LAN_AGENT_SEED ?? DEV_SEED_PATH,
      try: `curl -H 'X-API-Key: http://localhost:${config.PORT}_openapp_dev-alice-key' ` +
        `-X POST ${base}/lan-agent/cli/token`,
    },
    `lan-agent-server ready: API at ${base}`,
  )
}

main().catch((error: unknown) => {
  process.stderr.write(`lan-agent-server failed to start: ${(error as Error).stack ?? error}\n`)
  process.exit(1)
})
