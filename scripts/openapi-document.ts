import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config/load.js'
import { MemoryStore } from '../src/store/memory/memory-store.js'

export const COMMITTED_OPENAPI_PATH = new URL('../openapi/lan-agent.json', import.meta.url)

/** The OpenAPI document as the server generates it, formatted as it is committed. */
export async function generateOpenapiDocument(): Promise<string> {
  const store = new MemoryStore({ now: () => Date.now() })
  const app = await buildApp({ config: loadConfig({ NODE_ENV: 'test' }), store, logger: false })
  try {
    await app.ready()
    return `${JSON.stringify(app.swagger(), null, 2)}\n`
  } finally {
    await app.close()
    await store.close()
  }
}
