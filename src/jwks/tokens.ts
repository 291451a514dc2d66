import { SignJWT, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose'
import { ApiError } from '../errors/api-error.js'
import { SIGNING_ALGORITHM, type Keyring } from './keyring.js'

/** Header `typ` values that keep the two kinds of token apart; `aud` differs as well. */
export const AGENT_TOKEN_TYPE = 'lan-agent+jwt'
export const BOOTSTRAP_TOKEN_TYPE = 'lan-agent-bootstrap+jwt'

/** About a minute of disagreement between clocks is tolerated, as most JWT stacks do. */
const CLOCK_SKEW_SECONDS = 60

export interface AgentClaims {
  sub: string
  orgs: string[]
  /** When set, the token may only touch this integration. */
  integration_id: string | null
  task_id: string | null
}

export interface BootstrapClaims {
  sub: string
  orgs: string[]
  task_id: string
  integration_id: string | null
  device_id: string | null
  api_base_url: string
}

export interface TokenServiceOptions {
  keyring: Keyring
  issuer: string
  audience: string
  now: () => number
  newJti: (now: number) => string
}

export interface SignedToken {
  token: string
  jti: string
  issuedAt: number
  expiresAt: number
}

/** Signs and verifies the server's JWTs: ES256 only, a `kid` on each, claims checked by jose. */
export class TokenService {
  readonly #options: TokenServiceOptions

  constructor(options: TokenServiceOptions) {
    this.#options = options
  }

  get bootstrapAudience(): string {
    return `${this.#options.audience}:bootstrap`
  }

  signAgentToken(claims: AgentClaims, ttlSeconds: number): Promise<SignedToken> {
    return this.#sign({ ...claims }, AGENT_TOKEN_TYPE, this.#options.audience, ttlSeconds)
  }

  signBootstrapToken(claims: BootstrapClaims, ttlSeconds: number): Promise<SignedToken> {
    return this.#sign({ ...claims }, BOOTSTRAP_TOKEN_TYPE, this.bootstrapAudience, ttlSeconds)
  }

  async verifyAgentToken(token: string): Promise<AgentClaims & JWTPayload> {
    const payload = await this.#verify(token, AGENT_TOKEN_TYPE, this.#options.audience)
    return {
      ...payload,
      sub: String(payload.sub),
      orgs: stringArray(payload.orgs),
      integration_id: typeof payload.integration_id === 'string' ? payload.integration_id : null,
      task_id: typeof payload.task_id === 'string' ? payload.task_id : null,
    }
  }

  async verifyBootstrapToken(token: string): Promise<BootstrapClaims & JWTPayload> {
    const payload = await this.#verify(token, BOOTSTRAP_TOKEN_TYPE, this.bootstrapAudience)
    const optional = (value: unknown) => (typeof value === 'string' ? value : null)
    return {
      ...payload,
      sub: String(payload.sub),
      orgs: stringArray(payload.orgs),
      task_id: String(payload.task_id),
      integration_id: optional(payload.integration_id),
      device_id: optional(payload.device_id),
      api_base_url: String(payload.api_base_url),
    }
  }

  async #sign(claims: JWTPayload, typ: string, audience: string, ttlSeconds: number) {
    const now = this.#options.now()
    const key = this.#options.keyring.signingKey(now)
    if (!key) {
      throw new ApiError('signing_unavailable', 'No signing key is available; try again shortly.', {
        headers: { 'retry-after': '5' },
      })
    }
    const issuedAt = Math.floor(now / 1000)
    const expiresAt = issuedAt + ttlSeconds
    const jti = this.#options.newJti(now)
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.meta.kid, typ })
      .setIssuer(this.#options.issuer)
      .setAudience(audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .setJti(jti)
      .sign(key.privateKey)
    return { token, jti, issuedAt, expiresAt }
  }

  async #verify(token: string, typ: string, audience: string): Promise<JWTPayload> {
    const keyring = this.#options.keyring
    try {
      // Resolve the key before jose does: an unknown kid may be a key rotated on another
      // instance a moment ago, so the keyring is re-read once before the token is refused.
      const { kid, alg } = decodeProtectedHeader(token)
      if (alg !== SIGNING_ALGORITHM || typeof kid !== 'string') throw new errors.JOSEError()
      if (!keyring.verificationKey(kid)) await keyring.reload()
      const key = keyring.verificationKey(kid)
      if (!key) throw new errors.JOSEError()
      const { payload } = await jwtVerify(token, key, {
        algorithms: [SIGNING_ALGORITHM],
        issuer: this.#options.issuer,
        audience,
        typ,
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: new Date(this.#options.now()),
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      })
      return payload
    } catch (error) {
      if (error instanceof ApiError) throw error
      if (error instanceof Error && error.name === 'StoreUnavailableError') throw error
      throw new ApiError('invalid_credentials', 'The token is invalid or has expired.', {
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      })
    }
  }
}

function stringArray(value: unknown): string[] {
  if (!Array.isArray(value)) return []
  return value.filter((item): item is string => typeof item === 'string')
}
