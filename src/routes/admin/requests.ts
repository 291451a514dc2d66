import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { clearJournals } from '../../admin/control.js'
import { ClearedResponse, JournalQuery, JournalResponse } from '../../schemas/admin.js'
import { errorResponses } from '../../schemas/responses.js'
import { adminOperation, services } from './common.js'

const list = {
  ...adminOperation,
  operationId: 'get_admin_requests',
  summary: 'Recent requests this instance received, secrets redacted',
  description:
    'Newest first, at most JOURNAL_MAX_ENTRIES (the oldest are dropped). Each instance keeps ' +
    'its own journal in memory; admin calls and health probes are not journaled. Credentials, ' +
    'tokens, bootstrap keys and the admin token never appear: they are replaced by ' +
    '`[redacted]`.',
  querystring: JournalQuery,
  response: { 200: JournalResponse, ...errorResponses(400, 401, 500) },
}

const clear = {
  ...adminOperation,
  operationId: 'delete_admin_requests',
  summary: 'Empty the journal',
  description:
    'Empties this instance\'s journal at once and every other instance\'s within ' +
    'ADMIN_SYNC_INTERVAL_MS. `cleared` counts the entries this instance held.',
  response: { 200: ClearedResponse, ...errorResponses(401, 500, 503) },
}

const requests: FastifyPluginAsyncTypebox = async (app) => {
  const admin = services(app)
  app.get('/requests', { schema: list }, async (request) => {
    const query = request.query
    const { journal } = admin
    return {
      instance_id: admin.instanceId,
      capacity: journal.capacity,
      dropped: journal.dropped,
      entries: journal.list({
        operation_id: query.operation_id,
        status: query.status === undefined ? undefined : Number(query.status),
        request_id: query.request_id,
        method: query.method,
        limit: query.limit === undefined ? undefined : Number(query.limit),
      }),
    }
  })
  app.delete('/requests', { schema: clear }, async () => {
    const held = admin.journal.size
    await clearJournals(admin.control)
    return { cleared: held }
  })
}

export default requests
