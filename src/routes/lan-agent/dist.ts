import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ApiError } from '../../errors/api-error.js'
import { errorResponses } from '../../schemas/responses.js'
import { EXTENSION_TAG } from '../extensions/jwks.js'

const Params = Type.Object({ version: Type.String() })

const notFound = () => new ApiError('route_not_found', 'No such agent build on this server.')

/**
 * The bundled reference agent, so the installer has something real to download and verify:
 * one build per platform (the same bash script) and SHA256SUMS, under dist/<version>/.
 */
const dist: FastifyPluginAsyncTypebox = async (app) => {
  const agent = app.agentRelease.reference
  const cache = { 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' }

  app.get(
    '/lan-agent/dist/:version/',
    {
      schema: {
        operationId: 'get_lan_agent_dist_index',
        tags: [EXTENSION_TAG],
        summary: 'List the reference agent builds of a version',
        params: Params,
        response: {
          200: {
            description: 'File names, one a line',
            content: { 'text/plain': { schema: Type.String() } },
          },
          ...errorResponses(404, 503),
        },
      },
    },
    async (request, reply) => {
      if (request.params.version !== agent.version) throw notFound()
      const names = [...agent.files.keys(), 'SHA256SUMS'].sort()
      return reply.headers(cache).type('text/plain; charset=utf-8').send(`${names.join('\n')}\n`)
    },
  )

  app.get(
    '/lan-agent/dist/:version/:file',
    {
      schema: {
        operationId: 'get_lan_agent_dist_file',
        tags: [EXTENSION_TAG],
        summary: 'Download a reference agent build or its SHA256SUMS',
        params: Type.Object({ version: Type.String(), file: Type.String() }),
        response: {
          200: {
            description: 'The build, or SHA256SUMS',
            content: {
              'application/octet-stream': { schema: Type.String({ format: 'binary' }) },
              'text/plain': { schema: Type.String() },
            },
          },
          ...errorResponses(404, 503),
        },
      },
    },
    async (request, reply) => {
      const { version, file } = request.params
      if (version !== agent.version) throw notFound()
      reply.headers(cache)
      if (file === 'SHA256SUMS') {
        return reply.type('text/plain; charset=utf-8').send(agent.sha256sums)
      }
      const bytes = agent.files.get(file)
      if (!bytes) throw notFound()
      return reply.type('application/octet-stream').send(bytes as unknown as string)
    },
  )
}

export default dist
