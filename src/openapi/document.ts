import type { SwaggerOptions } from '@fastify/swagger'
import { API_PREFIX } from './prefix.js'
import { EXTENSION_TAG } from '../routes/extensions/jwks.js'
import { ADMIN_TAG } from '../schemas/admin.js'

/** Options of @fastify/swagger: the document is generated from the route schemas. */
export function openapiDocument(): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'lan-agent-server',
        description:
          'Reference server for the OpenApp LAN agent API. Operations tagged "LAN agent" follow ' +
          'the upstream contract; the others are extensions of this server.',
        version: 'v1',
      },
      servers: [{ url: '/api/v1', description: 'API base path' }],
      tags: [
        { name: 'LAN agent', description: 'The six upstream operations.' },
        { name: EXTENSION_TAG, description: 'Extensions: keys, health, agent downloads.' },
        {
          name: ADMIN_TAG,
          description:
            'The test-control surface under /__admin: reset, fixtures, the request journal, ' +
            'the clock, faults and signing keys. Served unless disabled (by default off in ' +
            'production without ADMIN_TOKEN). While it is served, any operation of the other ' +
            'tags honours `Prefer: code=<status>` for a status it documents (another status is ' +
            'refused with 400), and armed faults apply to it.',
        },
      ],
      components: {
        securitySchemes: {
          admin_token: {
            type: 'http',
            scheme: 'bearer',
            description: 'ADMIN_TOKEN, needed by every admin call when the server has one set.',
          },
          bearer_auth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'OpenApp API key or agent JWT',
            description:
              'An API key `{origin}_openapp_{secret}` (also accepted in X-API-Key) or, where ' +
              'the operation allows it, an agent JWT from POST /lan-agent/cli/token.',
          },
        },
      },
    },
    // The prefix is stripped below, where it also tells API routes from root extensions: left to
    // @fastify/swagger, every path arrives stripped and the API routes were sent to the root.
    stripBasePath: false,
    refResolver: {
      // Name components after their $id so they match the upstream component names.
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    transformObject: (documents) => {
      const document = (documents as { openapiObject: OpenApiDocument }).openapiObject
      return { ...document, paths: relativePaths(document.paths ?? {}) }
    },
  }
}

interface OpenApiDocument {
  paths?: Record<string, Record<string, unknown>>
  [field: string]: unknown
}

/**
 * The upstream document lists paths relative to its `/api/v1` server; ours do the same. The
 * extension routes outside that prefix (JWKS, health) name the root as their own server.
 */
function relativePaths(paths: Record<string, Record<string, unknown>>) {
  const result: Record<string, Record<string, unknown>> = {}
  for (const [path, item] of Object.entries(paths)) {
    if (path.startsWith(`${API_PREFIX}/`)) result[path.slice(API_PREFIX.length)] = item
    else result[path] = { ...item, servers: [{ url: '/', description: 'Server root' }] }
  }
  return result
}
