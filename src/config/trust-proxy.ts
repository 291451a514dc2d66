/**
 * TRUST_PROXY as Fastify takes it: `true`/`false`, a hop count, or a list of proxy addresses
 * and CIDRs. Unset means no proxy is trusted and X-Forwarded-For is ignored.
 */
export function trustProxySetting(value: string | undefined): boolean | number | string[] {
  if (value === undefined || value === 'false') return false
  if (value === 'true') return true
  if (/^\d+$/.test(value)) return Number(value)
  return value.split(',').map((entry) => entry.trim()).filter(Boolean)
}
