import { randomBytes } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  admitFixtures,
  appendFixtures,
  combine,
  EMPTY_FIXTURES,
  type FixtureSet,
} from '../../admin/fixtures.js'
import { FixturesRequest, FixturesResponse } from '../../schemas/admin.js'
import { errorResponses } from '../../schemas/responses.js'
import { adminOperation, services } from './common.js'

const list = {
  ...adminOperation,
  operationId: 'get_admin_fixtures',
  summary: 'The fixtures added since the last reset (the seed is not listed)',
  response: { 200: FixturesResponse, ...errorResponses(401, 500, 503) },
}

const create = {
  ...adminOperation,
  operationId: 'post_admin_fixtures',
  summary: 'Add orgs, users, integrations and catalog entries',
  description:
    'All or nothing: a malformed record, an org that does not exist, or an id, task name or ' +
    'credential that is already taken refuses the whole request with 400 `invalid_fixture`. ' +
    'Every instance sharing the store serves the new tenants within ADMIN_SYNC_INTERVAL_MS.',
  body: FixturesRequest,
  response: {
    201: { ...FixturesResponse, description: 'The records added, with generated values' },
    ...errorResponses(400, 401, 413, 415, 500, 503),
  },
}

const fixtures: FastifyPluginAsyncTypebox = async (app) => {
  const admin = services(app)
  const log = app.log.child({ component: 'admin' })
  const newId = () => app.ids.next(app.clock.now())
  const generate = {
    id: newId,
    // Random credentials, so a user's id does not give its key away; in deterministic mode
    // they come from the seeded ids instead, so a rerun gets the same ones.
    secret: app.config.DETERMINISTIC_SEED
      ? () => `fx-${newId().toLowerCase()}`
      : () => `fx-${randomBytes(18).toString('base64url')}`,
  }
  app.get('/fixtures', { schema: list }, async () => admin.fixtures.value)
  app.post('/fixtures', { schema: create, bodyLimit: 4 * 1024 * 1024 }, async (request, reply) => {
    let added: FixtureSet = EMPTY_FIXTURES
    await admin.fixtures.update((current) => {
      added = admitFixtures(request.body, combine(app.seed, current), generate)
      return appendFixtures(current, added)
    })
    log.info(
      {
        orgs: added.orgs.length,
        users: added.users.length,
        integrations: added.integrations.length,
        tasks_catalog: added.tasks_catalog.length,
      },
      'fixtures added',
    )
    return reply.code(201).send(added)
  })
}

export default fixtures
