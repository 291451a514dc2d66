import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  ClearedResponse,
  FaultClearQuery,
  FaultListResponse,
  FaultRequest,
  FaultResponse,
} from '../../schemas/admin.js'
import { errorResponses } from '../../schemas/responses.js'
import { adminOperation, services } from './common.js'

const list = {
  ...adminOperation,
  operationId: 'get_admin_faults',
  summary: 'Armed faults, in the order they apply',
  response: { 200: FaultListResponse, ...errorResponses(401, 500) },
}

const arm = {
  ...adminOperation,
  operationId: 'post_admin_faults',
  summary: 'Arm a fault for an operation',
  description:
    'The next `count` calls of `operation_id` (or every call until cleared) are delayed by ' +
    '`latency_ms`, then answered with `status` in the error envelope (a status the operation ' +
    'documents, with the error code and headers a real reply of that status carries) or cut ' +
    'off by dropping the connection. Faults of one operation apply in the order armed. ' +
    'Replies shaped by a fault carry `X-Fault-Injected: <fault id>`. Per request, ' +
    '`Prefer: code=<status>` forces a documented status without arming anything.',
  body: FaultRequest,
  response: {
    201: { ...FaultResponse, description: 'The armed fault' },
    ...errorResponses(400, 401, 415, 500, 503),
  },
}

const clear = {
  ...adminOperation,
  operationId: 'delete_admin_faults',
  summary: 'Disarm every fault, or those of one operation',
  querystring: FaultClearQuery,
  response: { 200: ClearedResponse, ...errorResponses(400, 401, 500, 503) },
}

const faults: FastifyPluginAsyncTypebox = async (app) => {
  const admin = services(app)
  const log = app.log.child({ component: 'admin' })
  app.get('/faults', { schema: list }, async () => ({ faults: admin.faults.list() }))
  app.post('/faults', { schema: arm }, async (request, reply) => {
    const now = app.clock.now()
    const fault = await admin.faults.arm(request.body, app.ids.next(now), now)
    log.info({ fault }, 'fault armed')
    return reply.code(201).send({ fault })
  })
  app.delete('/faults', { schema: clear }, async (request) => {
    const cleared = await admin.faults.clear(request.query.operation_id)
    log.info({ cleared, operationId: request.query.operation_id }, 'faults cleared')
    return { cleared }
  })
}

export default faults
