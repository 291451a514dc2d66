import rateLimit, { normalizeIP } from '@fastify/rate-limit'
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../../config/schema.js'
import { ApiError } from '../../errors/api-error.js'
import { StoreUnavailableError } from '../../store/types.js'

/** The abuse limits a route can opt into with `config: { rateLimitPolicy }`. */
export type RateLimitPolicy = 'mint' | 'script' | 'token'
export type RateLimitScope = 'address' | 'user'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Counts every request of the route against this policy: per client address before
     * authentication, per user (the principal) after it.
     */
    rateLimitPolicy?: RateLimitPolicy
  }
  interface FastifyInstance {
    rateLimits: RateLimits
  }
}

export interface RateLimits {
  /**
   * Counts one request against `policy` for one address or user, and throws a 429
   * `rate_limited` once the limit of the window is passed. For limits a route can only apply
   * once it knows whom a request is for (the owner of a bootstrap key).
   */
  hit(
    request: FastifyRequest,
    policy: RateLimitPolicy,
    scope: RateLimitScope,
    id: string,
  ): Promise<void>
}

interface PolicySpec {
  /** What is counted, for the 429 message. */
  what: string
  limits: Record<RateLimitScope, number>
  /**
   * Whether a request goes on when the counters cannot be reached (Redis down). Routes that
   * need storage anyway fail closed, with the 503 they would get a moment later; a route that
   * works without storage stays up.
   */
  failOpen: boolean
}

function policies(config: Config): Record<RateLimitPolicy, PolicySpec> {
  return {
    mint: {
      what: 'bootstrap keys minted',
      limits: {
        address: config.RATE_LIMIT_MINT_PER_ADDRESS,
        user: config.RATE_LIMIT_MINT_PER_USER,
      },
      failOpen: false,
    },
    script: {
      what: 'installer downloads',
      limits: {
        address: config.RATE_LIMIT_SCRIPT_PER_ADDRESS,
        user: config.RATE_LIMIT_SCRIPT_PER_USER,
      },
      failOpen: false,
    },
    token: {
      what: 'agent tokens minted',
      limits: { address: 0, user: config.RATE_LIMIT_TOKEN_PER_USER },
      failOpen: true,
    },
  }
}

const APPLIED = Symbol('rate-limit policy hook')

/**
 * Abuse limits on top of @fastify/rate-limit. Counters live in Redis when the store is Redis
 * (so every instance sharing it shares them) and in process memory otherwise. Every refusal
 * is the one error envelope with `Retry-After`.
 */
export default fp(
  async (app) => {
    const { config } = app
    const log = app.log.child({ component: 'rate-limit' })
    const windowMs = config.RATE_LIMIT_WINDOW_SECONDS * 1000
    await app.register(rateLimit, {
      global: false,
      ...(app.redis ? { redis: app.redis, nameSpace: app.rateLimitNamespace } : {}),
      skipOnError: false,
      // Only reached by a route that configures @fastify/rate-limit itself; ours go through
      // hit() below. Either way the client sees the envelope.
      errorResponseBuilder: (_request, context) =>
        tooMany('requests', Math.ceil(context.ttl / 1000)),
    })

    const specs = policies(config)
    const keys = new WeakMap<FastifyRequest, string>()
    const limiters = new Map<string, ReturnType<typeof app.createRateLimit>>()
    for (const [policy, spec] of Object.entries(specs)) {
      for (const [scope, max] of Object.entries(spec.limits)) {
        if (max === 0) continue
        limiters.set(
          `${policy}:${scope}`,
          app.createRateLimit({ max, timeWindow: windowMs, keyGenerator: (r) => keys.get(r)! }),
        )
      }
    }

    let counting = true
    const rateLimits: RateLimits = {
      async hit(request, policy, scope, id) {
        const limiter = limiters.get(`${policy}:${scope}`)
        if (!limiter) return
        const spec = specs[policy]
        keys.set(request, `${policy}:${scope}:${id}`)
        let result: Awaited<ReturnType<typeof limiter>>
        try {
          result = await limiter(request)
        } catch (error) {
          // The message only: ioredis errors carry the command's arguments.
          const reason = (error as Error).message
          if (counting) log.warn({ reason, policy }, 'rate-limit counters unavailable')
          counting = false
          if (spec.failOpen) return
          throw new StoreUnavailableError(`rate-limit counters unavailable: ${reason}`)
        }
        counting = true
        if (result.isAllowed || !result.isExceeded) return
        request.log.debug({ policy, scope }, 'rate limit reached')
        const noun = scope === 'address' ? 'from this address' : 'for this user'
        throw tooMany(`${spec.what} ${noun}`, result.ttlInSeconds, result.max, windowMs / 1000)
      },
    }
    app.decorate('rateLimits', rateLimits)

    app.addHook('onRoute', (route) => {
      const policy = route.config?.rateLimitPolicy
      if (!policy) return
      const own = [route.onRequest ?? []].flat() as onRequestHookHandler[]
      // Fastify derives a HEAD route from a GET one, hooks included: count each request once.
      if (own.some((hook) => APPLIED in hook)) return
      const byAddress = async (request: FastifyRequest) =>
        rateLimits.hit(request, policy, 'address', normalizeIP(request.ip))
      const byUser = async (request: FastifyRequest) => {
        const user = request.principal?.userId
        if (user) await rateLimits.hit(request, policy, 'user', user)
      }
      route.onRequest = [mark(byAddress), ...own, mark(byUser)] as typeof route.onRequest
    })
  },
  { name: 'rate-limit', dependencies: ['core', 'store', 'auth'] },
)

function mark(hook: (request: FastifyRequest, reply: FastifyReply) => Promise<void>) {
  return Object.assign(hook, { [APPLIED]: true })
}

function tooMany(what: string, retryAfterSeconds: number, max?: number, windowSeconds?: number) {
  const retryAfter = Math.max(1, retryAfterSeconds)
  const limit = max === undefined ? '' : ` (limit ${max} per ${windowSeconds} s)`
  return new ApiError('rate_limited', `Too many ${what}${limit}; retry in ${retryAfter} s.`, {
    headers: { 'retry-after': String(retryAfter) },
  })
}
