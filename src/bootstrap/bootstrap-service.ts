import type { Principal } from '../auth/principal.js'
import { assertMember, readOrgHeader } from '../auth/tenancy.js'
import type { Clock } from '../clock.js'
import type { Config } from '../config/schema.js'
import type { Directory } from '../directory/directory.js'
import { ApiError } from '../errors/api-error.js'
import { canonicalUlid, type IdGenerator } from '../ids/ulid.js'
import { renderInstaller } from '../installer/render.js'
import type { TokenService } from '../jwks/tokens.js'
import type { AgentRelease } from '../plugins/app/agent-release.js'
import type { BootstrapRecord, Store } from '../store/types.js'
import { checkApiBaseUrl, checkDeviceId } from './request-values.js'

/** The task id of the long-running agent; every other task id runs once. */
export const SERVE_TASK = 'serve'

export interface MintRequest {
  task_id: string
  api_base_url: string
  integration_id?: string | null
  device_id?: string | null
}

export interface BootstrapServiceOptions {
  config: Config
  clock: Clock
  ids: IdGenerator
  store: Store
  directory: Directory
  tokens: TokenService
  release: AgentRelease
}

export interface RenderedInstaller {
  script: string
  record: BootstrapRecord
}

export function invalidBootstrapKey(): ApiError {
  return new ApiError(
    'invalid_bootstrap_key',
    'Pass exactly one bootstrap key as ?key=<ULID> (from POST /lan-agent/cli/bootstrap-token).',
  )
}

const REJECTED = 'The bootstrap key is unknown, expired or already used; mint a new one.'

/**
 * Bootstrap keys: a dashboard user mints one (a signed bootstrap JWT stored under a fresh ULID
 * with a TTL), and whoever holds the ULID downloads an installer that carries an agent JWT
 * derived from that bootstrap JWT's claims.
 */
export class BootstrapService {
  readonly #o: BootstrapServiceOptions

  constructor(options: BootstrapServiceOptions) {
    this.#o = options
  }

  async mint(principal: Principal, request: MintRequest, orgHeader: string | string[] | undefined) {
    const { config, clock, ids, store, directory, tokens } = this.#o
    let orgIds = principal.orgIds
    if (orgHeader !== undefined) {
      const org = readOrgHeader(orgHeader)
      assertMember(principal, org)
      orgIds = [org]
    }
    let integrationId: string | null = null
    if (request.integration_id !== undefined && request.integration_id !== null) {
      integrationId = canonicalUlid(request.integration_id)
      if (integrationId === null) {
        throw new ApiError('invalid_integration_id', 'integration_id must be a ULID.')
      }
      const integration = directory.integration(integrationId)
      if (!integration || !orgIds.includes(integration.orgId)) {
        throw new ApiError('integration_not_found', 'No such integration in your organisations.')
      }
      orgIds = [integration.orgId]
    }
    if (integrationId === null && request.task_id !== SERVE_TASK) {
      // The agent fetches a one-shot task's spec from its integration's queue.
      throw new ApiError(
        'invalid_request',
        `A one-shot task needs integration_id; only "${SERVE_TASK}" runs without one.`,
      )
    }
    const apiBaseUrl = checkApiBaseUrl(request.api_base_url)
    const deviceId = checkDeviceId(request.device_id)
    const ttl = config.BOOTSTRAP_KEY_TTL_SECONDS
    const signed = await tokens.signBootstrapToken(
      {
        sub: principal.userId,
        orgs: orgIds,
        task_id: request.task_id,
        integration_id: integrationId,
        device_id: deviceId,
        api_base_url: apiBaseUrl,
      },
      ttl,
    )
    const now = clock.now()
    const record: BootstrapRecord = {
      key: ids.next(now),
      token: signed.token,
      userId: principal.userId,
      orgIds,
      taskId: request.task_id,
      integrationId,
      createdAt: now,
      expiresAt: now + ttl * 1000,
    }
    await store.putBootstrapKey(record, now)
    return { record, expiresIn: ttl }
  }

  /** Reads the `key` query value; only a canonical ULID goes further (to storage or script). */
  static parseKey(raw: unknown): string {
    const key = typeof raw === 'string' ? canonicalUlid(raw) : null
    if (key === null) throw invalidBootstrapKey()
    return key
  }

  /** The user who minted a live key (for per-user download limits), or null. */
  async ownerOf(key: string): Promise<string | null> {
    const record = await this.#o.store.getBootstrapKey(key, this.#o.clock.now())
    return record?.userId ?? null
  }

  /**
   * Renders the installer for a key. `consume` takes the key atomically (single-use mode on a
   * GET); otherwise the key stays usable until it expires, so a dropped download can be retried.
   */
  async render(key: string, consume: boolean): Promise<RenderedInstaller> {
    const { config, clock, store, tokens, release } = this.#o
    const now = clock.now()
    const record = consume
      ? await store.takeBootstrapKey(key, now)
      : await store.getBootstrapKey(key, now)
    if (!record) throw new ApiError('bootstrap_key_rejected', REJECTED)
    const claims = await tokens.verifyBootstrapToken(record.token).catch((error: unknown) => {
      if (error instanceof ApiError && error.code === 'invalid_credentials') {
        throw new ApiError('bootstrap_key_rejected', REJECTED)
      }
      throw error
    })
    const agent = await tokens.signAgentToken(
      {
        sub: claims.sub,
        orgs: claims.orgs,
        integration_id: claims.integration_id,
        task_id: claims.task_id,
      },
      config.AGENT_TOKEN_TTL_SECONDS,
    )
    const orgId = claims.integration_id
      ? (this.#o.directory.integration(claims.integration_id)?.orgId ?? null)
      : claims.orgs.length === 1
        ? (claims.orgs[0] ?? null)
        : null
    const script = renderInstaller({
      apiBaseUrl: claims.api_base_url,
      taskId: claims.task_id,
      integrationId: claims.integration_id,
      deviceId: claims.device_id,
      orgId,
      agentVersion: release.latestVersion,
      agentDownloadBaseUrl: release.external
        ? release.downloadBaseUrl
        : `${claims.api_base_url}/lan-agent/dist/${release.latestVersion}`,
      agentChecksums: release.checksums,
      agentToken: agent.token,
      lanProtocolVersion: config.LAN_PROTOCOL_VERSION,
    })
    return { script, record }
  }
}
