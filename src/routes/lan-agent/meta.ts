import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { LanAgentMetaResponse } from '../../schemas/components.js'
import { errorResponses } from '../../schemas/responses.js'

const schema = {
  operationId: 'get_lan_agent_meta',
  tags: ['LAN agent'],
  summary: 'Protocol version, task catalog and agent release',
  description: 'Needs no credentials and never touches storage, so agents can always reach it.',
  response: {
    200: Type.Ref(LanAgentMetaResponse, { description: 'Agent metadata' }),
    // Only while the instance drains for shutdown.
    ...errorResponses(503),
  },
}

const meta: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/lan-agent/meta', { schema }, async () => {
    const release = app.agentRelease
    return {
      lan_protocol_version: app.config.LAN_PROTOCOL_VERSION,
      tasks_catalog: app.directory.catalog(),
      latest_agent_version: release.latestVersion,
      min_supported_agent_version: release.minSupportedVersion,
      upgrade_download_url: `${release.downloadBaseUrl}/`,
    }
  })
}

export default meta
