import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { LanAgentTasksResponse } from '../../schemas/components.js'
import { errorResponses, IntegrationParams, OrgHeaders } from '../../schemas/responses.js'
import { integrationScope } from './scope.js'

const schema = {
  operationId: 'get_integration_lan_agent_tasks',
  tags: ['LAN agent'],
  summary: "List an integration's live task ids",
  description: 'Always an object with `task_ids`, oldest first, never a bare list.',
  security: [{ bearer_auth: [] }],
  params: IntegrationParams,
  headers: OrgHeaders,
  response: {
    200: Type.Ref(LanAgentTasksResponse, { description: 'Live task ids' }),
    ...errorResponses(400, 401, 403, 404, 500, 503),
  },
}

const tasks: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/integrations/:integration_id/lan-agent/tasks',
    { schema, onRequest: app.requireUserOrAgent, preValidation: integrationScope(app) },
    async (request) => {
      const integration = request.integration!
      return { task_ids: await app.taskQueue.list(integration.orgId, integration.id) }
    },
  )
}

export default tasks
