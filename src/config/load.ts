import { resolve } from 'node:path'
import envSchema from 'env-schema'
import { DEV_SEED_PATH } from '../seed/load.js'
import { ConfigSchema, type Config } from './schema.js'
import { parseTrustProxy } from './trust-proxy.js'

/** Thrown when the environment does not describe a usable configuration. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

interface AjvIssue {
  instancePath: string
  message?: string
  params?: Record<string, unknown>
}

function describeIssue(issue: AjvIssue): string {
  const variable = issue.instancePath.replace(/^\//, '') || String(issue.params?.missingProperty)
  const allowed = issue.params?.allowedValues
  const hint = Array.isArray(allowed) ? ` (one of ${allowed.join(', ')})` : ''
  return `${variable}: ${issue.message ?? 'is invalid'}${hint}`
}

/**
 * Reads and validates the configuration. Each bad variable is named on a line of its own, so an
 * operator fixing a deployment sees every problem at once rather than one per restart.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const data: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value !== '' && name in ConfigSchema.properties) data[name] = value
  }
  let config: Config
  try {
    config = envSchema<Config>({ schema: structuredClone(ConfigSchema), data, env: false })
  } catch (error) {
    const issues = (error as { errors?: AjvIssue[] }).errors ?? []
    const lines = issues.map((issue) => `  - ${describeIssue(issue)}`)
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`)
  }
  const problems = crossChecks(config)
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  }
  return config
}

/** Rules that span several variables or need more than a schema can say. */
function crossChecks(config: Config): string[] {
  const problems: string[] = []
  if (config.LAN_PROTOCOL_MIN_VERSION > config.LAN_PROTOCOL_VERSION) {
    problems.push('LAN_PROTOCOL_MIN_VERSION: must not exceed LAN_PROTOCOL_VERSION')
  }
  if (
    config.ADMIN_ENABLED === true &&
    config.NODE_ENV === 'production' &&
    config.ADMIN_TOKEN === undefined
  ) {
    problems.push('ADMIN_ENABLED: in production the admin surface needs ADMIN_TOKEN')
  }
  if (config.CLOCK_FROZEN_AT !== undefined && Number.isNaN(Date.parse(config.CLOCK_FROZEN_AT))) {
    problems.push('CLOCK_FROZEN_AT: is not a valid date and time')
  }
  for (const name of ['PUBLIC_BASE_URL', 'AGENT_DOWNLOAD_BASE_URL'] as const) {
    const problem = plainUrlProblem(config[name])
    if (problem) problems.push(`${name}: ${problem}`)
  }
  try {
    parseTrustProxy(config.TRUST_PROXY)
  } catch (error) {
    problems.push(`TRUST_PROXY: ${(error as Error).message}`)
  }
  const devSeed =
    config.LAN_AGENT_SEED === undefined || resolve(config.LAN_AGENT_SEED) === DEV_SEED_PATH
  // The dev seed's API keys and sessions are printed in the contract and the README: anyone
  // can call a production server that runs it as any of its users.
  if (config.NODE_ENV === 'production' && devSeed && !config.ALLOW_DEV_SEED) {
    problems.push(
      'LAN_AGENT_SEED: NODE_ENV=production refuses the dev seed, whose credentials are public; ' +
        'set LAN_AGENT_SEED to your own seed file, or ALLOW_DEV_SEED=true to run it on purpose ' +
        '(a staging server for SDK tests)',
    )
  }
  return problems
}

/** A base URL goes into replies and scripts: an absolute http(s) URL and nothing more. */
function plainUrlProblem(value: string | undefined): string | null {
  if (value === undefined) return null
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'is not an absolute URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https'
  if (url.username || url.password) return 'must not hold credentials'
  if (url.search || url.hash || /[?#'"`$\\]/.test(value)) {
    return 'must not hold a query, a fragment, quotes, $ or backslashes'
  }
  return null
}
