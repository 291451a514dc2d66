import swagger from '@fastify/swagger'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { clockFromConfig, type Clock } from './clock.js'
import type { Config } from './config/schema.js'
import { fastifyTrustProxy } from './config/trust-proxy.js'
import { AccessLog } from './http/access-log.js'
import { documentCommonResponses } from './http/common-responses.js'
import { registerBodyParsers } from './http/body-parsers.js'
import { registerErrorHandling } from './http/error-handler.js'
import { clientErrorHandler, frameworkErrorHandler } from './http/framework-errors.js'
import { registerDraining } from './http/draining.js'
import { MethodIndex } from './http/method-index.js'
import { queryLimit } from './http/request-limits.js'
import { requestIdGenerator } from './http/request-id.js'
import { seededRandom } from './ids/prng.js'
import { createIdGenerator, type IdGenerator } from './ids/ulid.js'
import { randomUlidSource } from './ids/random-ulid.js'
import { logDestination, loggerOptions } from './logging.js'
import { ADMIN_PREFIX } from './admin/operations.js'
import admin from './plugins/app/admin.js'
import agentRelease from './plugins/app/agent-release.js'
import cors from './plugins/external/cors.js'
import auth from './plugins/app/auth.js'
import bootstrap from './plugins/app/bootstrap.js'
import core from './plugins/app/core.js'
import jwksPlugin from './plugins/app/jwks.js'
import metricsPlugin from './plugins/app/metrics.js'
import queue from './plugins/app/queue.js'
import rateLimit from './plugins/app/rate-limit.js'
import storePlugin from './plugins/app/store.js'
import adminRoutes from './routes/admin/index.js'
import health from './routes/extensions/health.js'
import jwks from './routes/extensions/jwks.js'
import metrics from './routes/extensions/metrics.js'
import openapi from './routes/extensions/openapi.js'
import tasks from './routes/integrations/tasks.js'
import taskSpec from './routes/integrations/task-spec.js'
import bootstrapScript from './routes/lan-agent/bootstrap-script.js'
import bootstrapToken from './routes/lan-agent/bootstrap-token.js'
import cliToken from './routes/lan-agent/cli-token.js'
import dist from './routes/lan-agent/dist.js'
import meta from './routes/lan-agent/meta.js'
import { components } from './schemas/components.js'
import { openapiDocument } from './openapi/document.js'
import { API_PREFIX } from './openapi/prefix.js'
import adminUi from './pages/admin-ui.js'
import docs from './pages/docs.js'
import { DOCS_PREFIX } from './pages/paths.js'
import { loadSeed } from './seed/load.js'
import type { Seed } from './seed/schema.js'
import type { Store } from './store/types.js'

export { API_PREFIX }

export interface AppOptions {
  config: Config
  /** Logger settings; tests pass `false` or a destination of their own. */
  logger?: FastifyServerOptions['logger'] | FastifyServerOptions['loggerInstance']
  /** Where the production logger (its redaction included) writes; stdout by default. */
  logStream?: NodeJS.WritableStream
  /** A store owned by the caller (tests share one Redis client across apps). */
  store?: Store
  seed?: Seed
  clock?: Clock
  ids?: IdGenerator
}

/** Builds the whole application without listening: server.ts listens, tests inject. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config } = options
  const clock = options.clock ?? clockFromConfig(config)
  const seeded = config.DETERMINISTIC_SEED
  const ids = options.ids ?? createIdGenerator(seeded ? seededRandom(seeded) : undefined)
  // Request ids are public (X-Request-Id), so they never come from the generator that mints
  // keys (see random-ulid.ts); a seeded run gets its own seeded stream to stay reproducible.
  const seededRequestIds = seeded ? createIdGenerator(seededRandom(`${seeded}:request-ids`)) : null
  const requestIds = seededRequestIds
    ? (now: number) => seededRequestIds.next(now)
    : randomUlidSource()
  const methods = new MethodIndex()

  const app = Fastify({
    logger:
      options.logger === undefined
        ? { ...loggerOptions(config.LOG_LEVEL), stream: options.logStream ?? logDestination() }
        : options.logger,
    logController: new AccessLog(),
    genReqId: requestIdGenerator(requestIds, () => clock.now()),
    requestIdHeader: false,
    // Only decides request.ip (rate limits, logs); URLs never come from forwarded headers.
    trustProxy: fastifyTrustProxy(config.TRUST_PROXY),
    bodyLimit: 64 * 1024,
    http: {
      // Node would refuse a request without Host with a bare 400 outside the envelope; no
      // route reads Host (URLs come from PUBLIC_BASE_URL), so its absence is harmless here.
      requireHostHeader: false,
      maxHeaderSize: config.MAX_HEADER_BYTES,
      headersTimeout: Math.min(config.REQUEST_TIMEOUT_MS, 60_000),
      // Node checks the timeouts on this period (30 s by default), so a short timeout
      // would otherwise fire up to 30 s late.
      connectionsCheckingInterval: Math.min(Math.ceil(config.REQUEST_TIMEOUT_MS / 4), 30_000),
    },
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    // Fastify's own 503 while closing is not in the envelope; registerDraining answers instead.
    return503OnClosing: false,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler: clientErrorHandler(() => ids.next(clock.now())),
    // Strict body validation: "2" is not an integer and unknown fields are reported, not
    // silently dropped, wherever a schema forbids them.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    routerOptions: { maxParamLength: 256, ignoreTrailingSlash: true },
  } as FastifyServerOptions).withTypeProvider<TypeBoxTypeProvider>()

  app.addHook('onRoute', (route) => {
    methods.add(route.method, route.url)
    documentCommonResponses(route)
  })
  // A callback hook, not an async one: it runs on every request and needs no promise.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })
  registerDraining(app)
  app.addHook('onRequest', queryLimit(config.MAX_QUERY_BYTES))
  registerBodyParsers(app)
  registerErrorHandling(app, methods)
  for (const schema of components) app.addSchema(schema)

  await app.register(swagger, openapiDocument())
  const seed = options.seed ?? loadSeed(config.LAN_AGENT_SEED)
  await app.register(core, { config, clock, ids, seed })
  await app.register(cors)
  await app.register(storePlugin, { store: options.store })
  await app.register(metricsPlugin)
  await app.register(jwksPlugin)
  await app.register(auth)
  await app.register(rateLimit)
  await app.register(queue)
  await app.register(agentRelease)
  await app.register(bootstrap)
  // Before the routes: the admin plugin's onRoute hook learns each operation's statuses.
  await app.register(admin)

  if (app.admin) await app.register(adminRoutes, { prefix: ADMIN_PREFIX })
  await app.register(jwks)
  await app.register(health)
  await app.register(metrics)
  await app.register(
    async (api) => {
      await api.register(meta)
      await api.register(cliToken)
      await api.register(bootstrapToken)
      await api.register(bootstrapScript)
      await api.register(dist)
      await api.register(taskSpec)
      await api.register(tasks)
      await api.register(openapi)
    },
    { prefix: API_PREFIX },
  )
  if (config.DOCS_ENABLED) await app.register(docs)
  if (app.admin) {
    const docsPath = config.DOCS_ENABLED ? DOCS_PREFIX : null
    await app.register(adminUi, { prefix: ADMIN_PREFIX, adminBase: ADMIN_PREFIX, docsPath })
  }
  return app
}
