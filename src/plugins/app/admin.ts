import { randomBytes } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { controlAdopter, INITIAL_CONTROL, isControl, type Control } from '../../admin/control.js'
import { adminAccess, type AdminAccess } from '../../admin/enablement.js'
import { FaultBook, isFaultList, type FaultList } from '../../admin/faults.js'
import { combine, EMPTY_FIXTURES, isFixtureSet, type FixtureSet } from '../../admin/fixtures.js'
import { Journal } from '../../admin/journal.js'
import { journalEntry, operationIdOf, type Trace } from '../../admin/journal-entry.js'
import { injectFault } from '../../admin/inject-fault.js'
import { ADMIN_PREFIX, OperationRegistry } from '../../admin/operations.js'
import { Redactor } from '../../admin/redact.js'
import type { ResetDependencies } from '../../admin/reset.js'
import { parseOr, SharedDocument } from '../../admin/shared-document.js'
import { AdminSync } from '../../admin/sync.js'
import { directoryDataFromSeed } from '../../directory/directory.js'

export interface AdminServices {
  access: AdminAccess
  /** Tells apart the journals of instances behind one load balancer. */
  instanceId: string
  operations: OperationRegistry
  journal: Journal
  redactor: Redactor
  faults: FaultBook
  fixtures: SharedDocument<FixtureSet>
  control: SharedDocument<Control>
  sync: AdminSync
  reset: ResetDependencies
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The test-control surface; null when it is disabled. */
    admin: AdminServices | null
  }
  interface FastifyRequest {
    /** `prefer` or the id of the fault that shaped this request's reply. */
    adminFault: string | null
    adminTrace: Trace | null
  }
}

/** Store documents holding the shared admin state. */
const DOCUMENTS = { fixtures: 'admin:fixtures', faults: 'admin:faults', control: 'admin:control' }

/** Probes of a load balancer would push every useful entry out of the journal. */
const UNJOURNALED = new Set(['get_healthz', 'get_readyz'])

function isAdminPath(request: FastifyRequest): boolean {
  return request.url === ADMIN_PREFIX || request.url.startsWith(`${ADMIN_PREFIX}/`)
}

/**
 * The pages (/docs, /__admin/ui) and their files are hidden from the document: they are no API
 * traffic, and the dozen files of one page load would push real calls out of the journal.
 */
function isPageRoute(request: FastifyRequest): boolean {
  return (request.routeOptions.schema as { hide?: unknown } | undefined)?.hide === true
}

/**
 * The test-control surface's services and hooks: shared state (fixtures, faults, clock) synced
 * through the store, the request journal, and fault injection. Registered before the routes, so
 * its onRoute hook sees every operation's documented statuses. Its routes live in
 * routes/admin/ and are registered only when this plugin decorated `admin`.
 */
export default fp(
  async (app) => {
    const access = adminAccess(app.config)
    const log = app.log.child({ component: 'admin' })
    if (!access.enabled) {
      app.decorate('admin', null)
      log.info({ reason: access.reason }, 'admin surface disabled')
      return
    }
    const { config, store, clock, directory, seed } = app
    const operations = new OperationRegistry()
    app.addHook('onRoute', (route) => operations.add(route))

    const journal = new Journal(config.JOURNAL_MAX_ENTRIES)
    const redactor = new Redactor()
    const fixedSecrets = (fixtures: FixtureSet) => [
      ...combine(seed, fixtures).users.flatMap((user) => [...user.api_keys, ...user.sessions]),
      ...(access.token === undefined ? [] : [access.token]),
    ]
    const fixtures = new SharedDocument<FixtureSet>({
      store,
      name: DOCUMENTS.fixtures,
      parse: (raw) => parseOr(raw, EMPTY_FIXTURES, isFixtureSet),
      adopt: (value) => {
        directory.replace(directoryDataFromSeed(combine(seed, value)))
        redactor.setKnownSecrets(fixedSecrets(value))
      },
    })
    redactor.setKnownSecrets(fixedSecrets(EMPTY_FIXTURES))
    const faultList = new SharedDocument<FaultList>({
      store,
      name: DOCUMENTS.faults,
      parse: (raw) => parseOr(raw, { faults: [] }, isFaultList),
      adopt: () => {},
    })
    const control = new SharedDocument<Control>({
      store,
      name: DOCUMENTS.control,
      parse: (raw) => parseOr(raw, INITIAL_CONTROL, isControl),
      adopt: controlAdopter(clock, journal),
    })
    const faults = new FaultBook(faultList, operations)
    const sync = new AdminSync({
      sources: [fixtures, faultList, control, { refresh: () => app.keyring.reload() }],
      intervalMs: config.ADMIN_SYNC_INTERVAL_MS,
      logger: log,
    })
    // Start with the shared state, so a new instance joins a running suite as the others see it.
    await sync.refresh()
    sync.start()
    app.addHook('onClose', async () => sync.stop())

    app.decorate('admin', {
      access,
      instanceId: randomBytes(6).toString('hex'),
      operations,
      journal,
      redactor,
      faults,
      fixtures,
      control,
      sync,
      reset: { store, seed, fixtures, faults, control },
    })
    app.decorateRequest('adminFault', null)
    app.decorateRequest('adminTrace', null)

    const recording = { journal, redactor, maxBodyBytes: config.JOURNAL_BODY_MAX_BYTES }
    const injection = {
      honourPrefer: config.ADMIN_TOKEN === undefined,
      faults,
      recording,
      replyContext: (request: FastifyRequest) => ({
        bodyLimit: request.routeOptions.bodyLimit,
        minProtocolVersion: config.LAN_PROTOCOL_MIN_VERSION,
        protocolVersion: config.LAN_PROTOCOL_VERSION,
        upgradeDownloadUrl: `${app.agentRelease.downloadBaseUrl}/`,
      }),
    }

    // Callback-style hooks with a synchronous fast path: every request passes through them, and
    // a promise per hook per request measurably slows the API down.
    app.addHook('onRequest', (request, reply, done) => {
      if (isAdminPath(request) || isPageRoute(request)) return done()
      request.adminTrace = { receivedAt: clock.now(), payload: undefined }
      const operationId = operationIdOf(request)
      const operation = operationId === null ? undefined : operations.get(operationId)
      // With ADMIN_TOKEN set, anyone could otherwise force errors on a shared staging server
      // with a header: there, only faults armed through the authenticated admin API apply.
      const prefer = config.ADMIN_TOKEN === undefined && request.headers.prefer !== undefined
      const targeted =
        operation !== undefined && (prefer || faults.armedFor(operation.operationId))
      if (!targeted) return done()
      injectFault(request, reply, operation, injection).then(() => done(), done)
    })
    app.addHook('onSend', (request, _reply, payload, done) => {
      if (request.adminTrace) request.adminTrace.payload = payload
      done(null, payload)
    })
    app.addHook('onResponse', (request, reply, done) => {
      const trace = request.adminTrace
      if (trace && !UNJOURNALED.has(operationIdOf(request) ?? '')) {
        journal.add(journalEntry(request, reply, trace, reply.statusCode, recording))
      }
      done()
    })

    log.info(
      { reason: access.reason, syncIntervalMs: config.ADMIN_SYNC_INTERVAL_MS },
      `admin surface enabled at ${ADMIN_PREFIX}`,
    )
    if (config.NODE_ENV === 'production') {
      log.warn('the admin surface is on in production: it can reset data and forge failures')
    }
    const loopback = /^(127\.|::1$|localhost$)/.test(config.HOST)
    if (access.token === undefined && !loopback) {
      log.warn(
        { host: config.HOST },
        'the admin surface is open without ADMIN_TOKEN on a non-loopback address: anyone who ' +
          'reaches this port can add users and reset data; set ADMIN_TOKEN',
      )
    }
  },
  { name: 'admin', dependencies: ['core', 'store', 'jwks', 'agent-release'] },
)
