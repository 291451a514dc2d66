import { isIP } from 'node:net'

/** The forms TRUST_PROXY can express. */
export type TrustProxy = boolean | number | string[]

/** What Fastify's `trustProxy` option is given. */
export type FastifyTrustProxy = boolean | string[] | ((address: string, hop: number) => boolean)

/** Ranges proxy-addr (Fastify's resolver) knows by name; handy for container networks. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal'])

function isAddressOrRange(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true
  const slash = entry.indexOf('/')
  if (slash === -1) return isIP(entry) !== 0
  const family = isIP(entry.slice(0, slash))
  const bits = entry.slice(slash + 1)
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false
  return Number(bits) <= (family === 4 ? 32 : 128)
}

/**
 * Parses TRUST_PROXY: `false`/`true`, a hop count (how many proxies sit in front), or a
 * comma-separated list of addresses, CIDRs and the names above. Throws with the reason, so a
 * typo stops the start instead of silently trusting nobody, or everybody.
 */
export function parseTrustProxy(value: string): TrustProxy {
  const text = value.trim().toLowerCase()
  if (text === 'false') return false
  if (text === 'true') return true
  if (/^\d+$/.test(text)) {
    const hops = Number(text)
    if (hops > 32) throw new Error('a hop count above 32 is not a plausible proxy chain')
    return hops === 0 ? false : hops
  }
  const entries = text.split(',').map((entry) => entry.trim())
  const bad = entries.filter((entry) => !isAddressOrRange(entry))
  if (bad.length > 0) {
    const listed = bad.map((entry) => JSON.stringify(entry)).join(', ')
    throw new Error(`expected true, false, a hop count or a list of IPs/CIDRs; not ${listed}`)
  }
  return entries
}

/**
 * The Fastify option for TRUST_PROXY. Fastify 5 ignores a bare hop count (it cannot check who
 * the nearest peer is), so a count becomes the equivalent function: the `hops` nearest
 * addresses are trusted, whoever they are. That is right only where the instances can be
 * reached through the proxy alone, as in docker-compose.yml; elsewhere list the proxies.
 */
export function fastifyTrustProxy(value: string): FastifyTrustProxy {
  const parsed = parseTrustProxy(value)
  if (typeof parsed !== 'number') return parsed
  return (_address, hop) => hop < parsed
}
