import fp from 'fastify-plugin'
import { deriveSigningJwk } from '../../jwks/derived-key.js'
import { Keyring } from '../../jwks/keyring.js'
import { TokenService } from '../../jwks/tokens.js'

declare module 'fastify' {
  interface FastifyInstance {
    keyring: Keyring
    tokens: TokenService
  }
}

/** Retired keys stay published this long past the longest token lifetime (clock skew). */
const SKEW_MS = 60_000

/** Loads (or creates) the signing keys before the server accepts requests. */
export default fp(
  async (app) => {
    const { config, clock, ids, store } = app
    const keyring = new Keyring({
      store,
      logger: app.log.child({ component: 'jwks' }),
      now: () => clock.now(),
      retainRetiredMs:
        Math.max(config.AGENT_TOKEN_TTL_SECONDS, config.BOOTSTRAP_KEY_TTL_SECONDS) * 1000 + SKEW_MS,
      rotationLeadMs: config.JWKS_ROTATION_LEAD_SECONDS * 1000,
      privateKeyFile: config.JWKS_PRIVATE_FILE,
      newKid: (now) => ids.next(now),
      deriveKey: config.DETERMINISTIC_SEED
        ? (kid) => deriveSigningJwk(config.DETERMINISTIC_SEED as string, kid)
        : undefined,
    })
    await keyring.load()
    app.decorate('keyring', keyring)
    app.decorate(
      'tokens',
      new TokenService({
        keyring,
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        now: () => clock.now(),
        newJti: (now) => ids.next(now),
      }),
    )
  },
  { name: 'jwks', dependencies: ['core', 'store'] },
)
