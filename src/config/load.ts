import envSchema from 'env-schema'
import { ConfigSchema, type Config } from './schema.js'

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
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  }
  return config
}
