import fp from 'fastify-plugin'
import { loadReferenceAgent, type ReferenceAgentDist } from '../../agent/dist.js'

export interface AgentRelease {
  /** Advertised as `latest_agent_version`; the version the installer downloads. */
  latestVersion: string
  minSupportedVersion: string
  /** Directory holding the builds of `latestVersion` and their SHA256SUMS. */
  downloadBaseUrl: string
  /** True when builds come from AGENT_DOWNLOAD_BASE_URL rather than this server. */
  external: boolean
  /** SHA-256 of each platform build, embedded in the installer. */
  checksums: Record<string, string>
  /** The bundled reference agent, served under /api/v1/lan-agent/dist/. */
  reference: ReferenceAgentDist
}

declare module 'fastify' {
  interface FastifyInstance {
    agentRelease: AgentRelease
    /** Absolute origin of this server, from PUBLIC_BASE_URL or the listen port. */
    publicBaseUrl: string
  }
}

/**
 * Which agent the installer downloads. By default the bundled reference agent from this
 * server's dist route; a deployment that sets AGENT_DOWNLOAD_BASE_URL and LATEST_AGENT_VERSION
 * points at its own builds, and their checksums are then read from its SHA256SUMS at start.
 */
export default fp(
  async (app) => {
    const { config } = app
    const reference = loadReferenceAgent()
    const publicBaseUrl = (config.PUBLIC_BASE_URL ?? `http://localhost:${config.PORT}`).replace(
      /\/+$/,
      '',
    )
    const latestVersion = config.LATEST_AGENT_VERSION ?? reference.version
    if (latestVersion !== reference.version && !config.AGENT_DOWNLOAD_BASE_URL) {
      throw new Error(
        `LATEST_AGENT_VERSION ${latestVersion} is not the bundled agent (${reference.version}): ` +
          'set AGENT_DOWNLOAD_BASE_URL to where its builds and SHA256SUMS are served',
      )
    }
    const external = config.AGENT_DOWNLOAD_BASE_URL?.replace(/\/+$/, '')
    const downloadBaseUrl = external ?? `${publicBaseUrl}/api/v1/lan-agent/dist/${latestVersion}`
    const checksums = external
      ? await fetchChecksums(`${external}/SHA256SUMS`)
      : reference.checksums
    app.decorate('publicBaseUrl', publicBaseUrl)
    app.decorate('agentRelease', {
      latestVersion,
      minSupportedVersion: config.MIN_SUPPORTED_AGENT_VERSION ?? latestVersion,
      downloadBaseUrl,
      external: external !== undefined,
      checksums,
      reference,
    })
  },
  { name: 'agent-release', dependencies: ['core'] },
)

async function fetchChecksums(url: string): Promise<Record<string, string>> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) })
  if (!response.ok) throw new Error(`cannot read ${url}: HTTP ${response.status}`)
  const checksums: Record<string, string> = {}
  for (const line of (await response.text()).split('\n')) {
    const match = /^([0-9a-f]{64}) [ *](\S+)$/.exec(line.trim())
    if (match) checksums[match[2] as string] = match[1] as string
  }
  if (Object.keys(checksums).length === 0) throw new Error(`${url} lists no checksums`)
  return checksums
}
