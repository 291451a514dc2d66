import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ApiError } from '../../errors/api-error.js'
import { taskSpecView } from '../../queue/task-queue.js'
import {
  type TaskSpecRequest,
  LanAgentTaskSpecRequest,
  LanAgentTaskSpecResponse,
} from '../../schemas/components.js'
import { errorResponses, IntegrationParams, OrgHeaders } from '../../schemas/responses.js'
import { integrationScope } from './scope.js'

/** Room for the envelope around a payload at its limit; the payload itself is checked exactly. */
const ENVELOPE_ALLOWANCE_BYTES = 4096
/**
 * A payload within its limit as compact JSON may arrive written with `\uXXXX` escapes, six
 * bytes a character: the raw body may be that much larger before the exact check decides.
 */
const ESCAPED_JSON_FACTOR = 6

const schema = {
  operationId: 'post_integration_lan_agent_task_spec',
  tags: ['LAN agent'],
  summary: 'Queue a task for an integration and get its spec',
  description:
    'A new task_id joins the end of the queue; a known one keeps its place and takes the new ' +
    'payload. Unknown body fields are refused.',
  security: [{ bearer_auth: [] }],
  params: IntegrationParams,
  headers: OrgHeaders,
  body: Type.Ref(LanAgentTaskSpecRequest),
  response: {
    200: Type.Ref(LanAgentTaskSpecResponse, { description: 'The stored task' }),
    ...errorResponses(400, 401, 403, 404, 413, 415, 426, 429, 500, 503),
  },
}

const taskSpec: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app
  const payloadLimit = config.TASK_PAYLOAD_MAX_BYTES
  app.post(
    '/integrations/:integration_id/lan-agent/task-spec',
    {
      schema,
      bodyLimit: payloadLimit * ESCAPED_JSON_FACTOR + ENVELOPE_ALLOWANCE_BYTES,
      onRequest: app.requireUserOrAgent,
      preValidation: integrationScope(app),
    },
    async (request) => {
      const body = request.body as TaskSpecRequest
      if (body.lan_protocol_version < config.LAN_PROTOCOL_MIN_VERSION) {
        throw new ApiError(
          'lan_protocol_too_old',
          `LAN protocol ${body.lan_protocol_version} is no longer supported; ` +
            `upgrade the agent to speak protocol ${config.LAN_PROTOCOL_MIN_VERSION} or later.`,
          {
            headers: { upgrade: `lan-protocol/${config.LAN_PROTOCOL_MIN_VERSION}` },
            extra: {
              min_lan_protocol_version: config.LAN_PROTOCOL_MIN_VERSION,
              lan_protocol_version: config.LAN_PROTOCOL_VERSION,
              upgrade_download_url: `${app.agentRelease.downloadBaseUrl}/`,
            },
          },
        )
      }
      const payloadBytes = Buffer.byteLength(JSON.stringify(body.payload ?? null))
      if (payloadBytes > payloadLimit) {
        throw new ApiError(
          'payload_too_large',
          `The payload is ${payloadBytes} bytes; the limit is ${payloadLimit} bytes.`,
          { extra: { limit_bytes: payloadLimit } },
        )
      }
      const integration = request.integration!
      const result = await app.taskQueue.enqueue(
        integration.orgId,
        integration.id,
        body.task_id,
        body.payload,
      )
      return {
        lan_protocol_version: Math.min(body.lan_protocol_version, config.LAN_PROTOCOL_VERSION),
        task_id: body.task_id,
        spec: taskSpecView(result.task),
      }
    },
  )
}

export default taskSpec
