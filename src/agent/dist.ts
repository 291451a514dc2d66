import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

/** Must equal LAN_AGENT_VERSION in lan-agent.sh; loading fails when the two drift apart. */
export const REFERENCE_AGENT_VERSION = '0.1.0'

/** The build names the installer asks for: lan-agent-<uname -s>-<uname -m>, normalised. */
export const REFERENCE_AGENT_FILES = [
  'lan-agent-darwin-amd64',
  'lan-agent-darwin-arm64',
  'lan-agent-linux-amd64',
  'lan-agent-linux-arm64',
] as const

export interface ReferenceAgentDist {
  version: string
  /** Build name to file bytes; the agent is a bash script, so every platform gets the same. */
  files: ReadonlyMap<string, Buffer>
  /** Build name to SHA-256 in lower-case hex, ready for InstallerValues.agentChecksums. */
  checksums: Readonly<Record<string, string>>
  /** The body of SHA256SUMS: `<hex>  <name>` lines sorted by name, as sha256sum -c reads. */
  sha256sums: string
}

const VERSION_LINE = /^readonly LAN_AGENT_VERSION='([^']+)'$/m

function build(): ReferenceAgentDist {
  const raw = readFileSync(new URL('./lan-agent.sh', import.meta.url), 'utf8')
  // A checkout with CRLF line ends would serve a script bash cannot run ($'\r' in every
  // command), so the served bytes are normalised the way the installer template is.
  const script = raw.replace(/^\ufeff/u, '').replace(/\r\n?/g, '\n')
  if (!script.startsWith('#!')) {
    throw new Error('lan-agent.sh must start with #!')
  }
  const declared = VERSION_LINE.exec(script)?.[1]
  if (declared !== REFERENCE_AGENT_VERSION) {
    throw new Error(
      `lan-agent.sh declares LAN_AGENT_VERSION ${JSON.stringify(declared)} but ` +
        `REFERENCE_AGENT_VERSION is ${REFERENCE_AGENT_VERSION}`,
    )
  }

  const bytes = Buffer.from(script, 'utf8')
  const sum = createHash('sha256').update(bytes).digest('hex')
  const files = new Map<string, Buffer>()
  const checksums: Record<string, string> = {}
  for (const name of REFERENCE_AGENT_FILES) {
    files.set(name, bytes)
    checksums[name] = sum
  }
  const sha256sums = [...REFERENCE_AGENT_FILES]
    .sort()
    .map((name) => `${sum}  ${name}\n`)
    .join('')
  return {
    version: REFERENCE_AGENT_VERSION,
    files,
    checksums: Object.freeze(checksums),
    sha256sums,
  }
}

let cached: ReferenceAgentDist | undefined

/** Reads and hashes the bundled agent on the first call; later calls get the same object. */
export function loadReferenceAgent(): ReferenceAgentDist {
  cached ??= build()
  return cached
}
