import type { Config } from '../config/schema.js'
import type { Seed } from '../seed/schema.js'

/**
 * The secret of the dev seed's alice. CONTRACT.md publishes it, so a page that shows it leaks
 * nothing; any other seed's credentials are real secrets that no page may carry.
 */
export const DEV_API_KEY_SECRET = 'dev-alice-key'

/** Values /docs fills in for "try it", so a first call needs no typing. */
export interface DocsPrefill {
  /** A whole API key, `{origin}_openapp_{secret}`, authorized as `bearer_auth`. */
  apiKey: string
  /** Whose key it is (alice in the dev seed). */
  userName: string
  /** Example of every `X-Org` header: the first org of the key's user. */
  orgId: string | null
  /** Example of every `integration_id`: the first integration of that org. */
  integrationId: string | null
}

/**
 * The dev credentials, or null when /docs must not fill any in: in production, and whenever the
 * seed in use does not hold the published dev key (a deployment with a seed of its own).
 */
export function docsPrefill(config: Config, seed: Seed, origin: string): DocsPrefill | null {
  if (config.NODE_ENV === 'production') return null
  const user = seed.users.find((candidate) => candidate.api_keys.includes(DEV_API_KEY_SECRET))
  if (!user) return null
  const orgId = user.orgs[0] ?? null
  const integration = seed.integrations.find((candidate) => candidate.org_id === orgId)
  return {
    apiKey: `${origin}_openapp_${DEV_API_KEY_SECRET}`,
    userName: user.name,
    orgId,
    integrationId: integration?.id ?? null,
  }
}

interface Parameter {
  in?: string
  name?: string
  example?: unknown
}

/**
 * Gives the `X-Org` and `integration_id` parameters the dev seed's values as examples: Swagger
 * UI puts a parameter's example into the input when "Try it out" is pressed. The description
 * says so, lest a reader wonder why calls succeed without a key. Only the copy that /docs
 * renders changes; /api/v1/openapi.json stays as generated.
 */
export function withDevExamples(
  document: Record<string, unknown>,
  prefill: DocsPrefill,
): Record<string, unknown> {
  const info = (document.info ?? {}) as { description?: string }
  info.description =
    `${info.description ?? ''}\n\n**Dev seed in use:** "Try it out" calls are authorized as ` +
    `${prefill.userName} (\`${prefill.apiKey}\`), and X-Org and integration_id are filled in ` +
    'with the first org of that user and its first integration. Change them under ' +
    '"Authorize" and in each form.'
  document.info = info
  const paths = (document.paths ?? {}) as Record<string, Record<string, unknown>>
  for (const item of Object.values(paths)) {
    for (const operation of Object.values(item)) {
      const parameters = (operation as { parameters?: unknown })?.parameters
      if (!Array.isArray(parameters)) continue
      for (const parameter of parameters as Parameter[]) {
        const name = parameter.name?.toLowerCase()
        if (parameter.in === 'header' && name === 'x-org' && prefill.orgId) {
          parameter.example = prefill.orgId
        }
        if (parameter.in === 'path' && name === 'integration_id' && prefill.integrationId) {
          parameter.example = prefill.integrationId
        }
      }
    }
  }
  return document
}
