import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { advanceClock } from '../../admin/control.js'
import { ApiError } from '../../errors/api-error.js'
import { ClockRequest, ClockResponse } from '../../schemas/admin.js'
import { errorResponses } from '../../schemas/responses.js'
import { adminOperation, services } from './common.js'

/** A century: far beyond any TTL, and far below where millisecond arithmetic loses precision. */
const MAX_OFFSET_MS = 100 * 365 * 86_400_000

const show = {
  ...adminOperation,
  operationId: 'get_admin_clock',
  summary: 'The server clock and its offset from real time',
  response: { 200: ClockResponse, ...errorResponses(401, 500) },
}

const advance = {
  ...adminOperation,
  operationId: 'post_admin_clock',
  summary: 'Move the server clock forward',
  description:
    'Bootstrap keys, tasks and JWTs expire by the server clock, so a suite moves it instead ' +
    'of sleeping. Forward only; a reset returns it to real time. Every instance sharing the ' +
    'store follows within ADMIN_SYNC_INTERVAL_MS.',
  body: ClockRequest,
  response: { 200: ClockResponse, ...errorResponses(400, 401, 415, 500, 503) },
}

const clock: FastifyPluginAsyncTypebox = async (app) => {
  const admin = services(app)
  const log = app.log.child({ component: 'admin' })
  const view = () => {
    const now = app.clock.now()
    return {
      offset_ms: app.clock.offsetMs,
      now: new Date(now).toISOString(),
      now_ms: now,
      frozen: app.clock.frozen,
    }
  }
  app.get('/clock', { schema: show }, async () => view())
  app.post('/clock', { schema: advance }, async (request) => {
    const { advance_seconds: seconds, advance_ms: ms } = request.body
    if ((seconds === undefined) === (ms === undefined)) {
      throw new ApiError('invalid_request', 'Send exactly one of advance_seconds and advance_ms.')
    }
    const step = ms ?? (seconds as number) * 1000
    await advanceClock(admin.control, step, MAX_OFFSET_MS)
    log.info({ stepMs: step, offsetMs: app.clock.offsetMs }, 'clock moved forward')
    return view()
  })
}

export default clock
