import { readFileSync } from 'node:fs'
import { shellQuote } from './quote.js'

export interface InstallerValues {
  /** Public API base, e.g. http://localhost:4455/api/v1, validated by the caller. */
  apiBaseUrl: string
  /** `serve` runs the long-running agent; any other id is run once. */
  taskId: string
  integrationId: string | null
  deviceId: string | null
  /** Org sent as X-Org; null when the token spans several orgs and names no integration. */
  orgId: string | null
  agentVersion: string
  /** Directory URL that holds the builds, e.g. .../api/v1/lan-agent/dist/0.1.0 */
  agentDownloadBaseUrl: string
  /** Build file name (lan-agent-linux-amd64, ...) to its SHA-256 in hex. */
  agentChecksums: Record<string, string>
  /** The agent JWT. A secret: it appears in the script once and nowhere else. */
  agentToken: string
  lanProtocolVersion: number
}

export interface InstallerRenderer {
  render(values: InstallerValues): string
}

/**
 * Each placeholder and how its value is read. The template stays valid bash with the
 * placeholders in it (each one is a bare word where a quoted literal goes), so shellcheck can
 * check the template file itself.
 */
const PLACEHOLDERS = {
  API_BASE_URL: (v) => required('apiBaseUrl', v.apiBaseUrl),
  TASK_ID: (v) => required('taskId', v.taskId),
  INTEGRATION_ID: (v) => optional('integrationId', v.integrationId),
  DEVICE_ID: (v) => optional('deviceId', v.deviceId),
  ORG_ID: (v) => optional('orgId', v.orgId),
  AGENT_VERSION: (v) => agentVersion(v.agentVersion),
  AGENT_DOWNLOAD_BASE_URL: (v) => required('agentDownloadBaseUrl', v.agentDownloadBaseUrl),
  AGENT_CHECKSUMS: (v) => checksumLines(v.agentChecksums),
  AGENT_TOKEN: (v) => required('agentToken', v.agentToken),
  LAN_PROTOCOL_VERSION: (v) => protocolVersion(v.lanProtocolVersion),
} as const satisfies Record<string, (values: InstallerValues) => string>

type PlaceholderName = keyof typeof PLACEHOLDERS

const PLACEHOLDER = /@@([A-Za-z0-9_]*)@@/g

// C0 controls and DEL would break the one-value-per-line config file the installer writes,
// and a CR or U+FEFF in the body breaks the promise that the script has neither (cases 9 and
// 12). A lone surrogate cannot be encoded as UTF-8 at all. The server refuses such values
// when it mints the key; this re-check fails loudly if one slipped past.
const FORBIDDEN_CHARACTER = /[\u0000-\u001f\u007f\ufeff\p{Cs}]/u

const AGENT_VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]*$/
const BUILD_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
const SHA256_HEX = /^[0-9a-fA-F]{64}$/

function checkText(field: string, value: string): string {
  if (FORBIDDEN_CHARACTER.test(value)) {
    throw new TypeError(
      `installer value ${field} holds a control character, U+FEFF or a lone surrogate`,
    )
  }
  return value
}

function required(field: string, value: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`installer value ${field} must be a non-empty string`)
  }
  return checkText(field, value)
}

function optional(field: string, value: string | null): string {
  return value === null ? '' : checkText(field, value)
}

// The version becomes part of a file name (bin/lan-agent-<version>), so no `/` and no `..`.
function agentVersion(value: string): string {
  if (typeof value !== 'string' || !AGENT_VERSION.test(value)) {
    throw new TypeError(`installer value agentVersion is not a version: ${JSON.stringify(value)}`)
  }
  return value
}

function protocolVersion(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TypeError('installer value lanProtocolVersion must be a whole number >= 0')
  }
  return String(value)
}

/** The SHA256SUMS line format (`<hex>  <name>`), sorted by name so the output is stable. */
function checksumLines(checksums: Record<string, string>): string {
  const names = Object.keys(checksums).sort()
  if (names.length === 0) {
    throw new TypeError('installer value agentChecksums is empty: no build could be verified')
  }
  return names
    .map((name) => {
      const sum = checksums[name]
      if (!BUILD_NAME.test(name)) {
        throw new TypeError(`agentChecksums: ${JSON.stringify(name)} is not a build file name`)
      }
      if (sum === undefined || !SHA256_HEX.test(sum)) {
        throw new TypeError(`agentChecksums: the value for ${name} is not a SHA-256 in hex`)
      }
      return `${sum.toLowerCase()}  ${name}`
    })
    .join('\n')
}

function isPlaceholderName(name: string): name is PlaceholderName {
  return Object.hasOwn(PLACEHOLDERS, name)
}

/** Undoes what an editor may do to the file: a UTF-8 BOM and CRLF (or bare CR) line ends. */
function normaliseTemplate(source: string | Uint8Array): string {
  const text = typeof source === 'string' ? source : new TextDecoder('utf-8').decode(source)
  return text.replace(/^\ufeff/u, '').replace(/\r\n?/g, '\n')
}

/**
 * Parses a template once into literal text and the placeholders between them. Everything
 * that can be wrong with the template is found here, at load time, rather than on the
 * first request: an unknown or malformed placeholder, one that is never used, a missing
 * shebang, a stray U+FEFF.
 */
export function createInstallerRenderer(source: string | Uint8Array): InstallerRenderer {
  const template = normaliseTemplate(source)
  if (!template.startsWith('#!')) {
    throw new Error('installer template must start with #!')
  }
  if (template.includes('\ufeff')) {
    throw new Error('installer template holds a U+FEFF after its first character')
  }

  const literals: string[] = []
  const names: PlaceholderName[] = []
  let last = 0
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? ''
    if (!isPlaceholderName(name)) {
      throw new Error(`installer template has an unknown placeholder @@${name}@@`)
    }
    literals.push(template.slice(last, match.index))
    names.push(name)
    last = match.index + match[0].length
  }
  literals.push(template.slice(last))

  const stray = literals.find((text) => text.includes('@@'))
  if (stray !== undefined) {
    const at = stray.indexOf('@@')
    const near = JSON.stringify(stray.slice(Math.max(0, at - 20), at + 20))
    throw new Error(`installer template has a malformed placeholder near ${near}`)
  }
  const used = new Set<string>(names)
  const unused = Object.keys(PLACEHOLDERS).filter((name) => !used.has(name))
  if (unused.length > 0) {
    const list = unused.map((name) => `@@${name}@@`).join(', ')
    throw new Error(`installer template never uses ${list}`)
  }

  return {
    render(values: InstallerValues): string {
      const quoted = new Map<PlaceholderName, string>()
      for (const name of names) {
        if (!quoted.has(name)) {
          quoted.set(name, shellQuote(PLACEHOLDERS[name](values)))
        }
      }
      // One pass over the parsed pieces: a value that looks like @@NAME@@ is output as
      // text, never looked at again.
      let out = literals[0] ?? ''
      for (const [i, name] of names.entries()) {
        out += (quoted.get(name) ?? '') + (literals[i + 1] ?? '')
      }
      return out
    },
  }
}

const defaultRenderer = createInstallerRenderer(
  readFileSync(new URL('./template/bootstrap.sh.tpl', import.meta.url)),
)

/** Renders the installer from the bundled template; throws on a value it cannot embed. */
export function renderInstaller(values: InstallerValues): string {
  return defaultRenderer.render(values)
}
