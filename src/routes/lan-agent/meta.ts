import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { Type } from '@sinclair/typebox'
import { LanAgentMetaResponse, type MetaResponse } from '../../schemas/components.js'
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

// A plain plugin rather than a TypeBox-typed one: the handler sends the already serialised
// text, which the typed reply (object per the schema) would not accept.
const meta: FastifyPluginAsync = async (app) => {
  // The reply only changes when the catalog is replaced (the directory hands out a new array
  // then), so it is serialised once per catalog, by the route's own response serializer,
  // rather than once per request: agents poll meta.
  let cachedFor: unknown = null
  let cached = ''
  const body = (reply: FastifyReply): string => {
    const catalog = app.directory.catalog()
    if (catalog !== cachedFor) {
      const release = app.agentRelease
      const view: MetaResponse = {
        lan_protocol_version: app.config.LAN_PROTOCOL_VERSION,
        tasks_catalog: catalog,
        latest_agent_version: release.latestVersion,
        min_supported_agent_version: release.minSupportedVersion,
        upgrade_download_url: `${release.downloadBaseUrl}/`,
      }
      cached = String(reply.serialize(view))
      cachedFor = catalog
    }
    return cached
  }
  app.get('/lan-agent/meta', { schema }, async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(body(reply)),
  )
}

export default meta
