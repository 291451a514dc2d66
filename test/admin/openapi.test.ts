import t from 'tap'
import { generateOpenapiDocument } from '../../scripts/openapi-document.js'

interface Operation {
  operationId?: string
  tags?: string[]
  security?: Record<string, string[]>[]
  responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>
}

t.test('the admin operations are documented apart, every status with a schema', async (t) => {
  const document = JSON.parse(await generateOpenapiDocument()) as {
    tags: { name: string; description: string }[]
    paths: Record<string, Record<string, Operation>>
    components: { securitySchemes: Record<string, { scheme?: string }> }
  }
  t.match(document.tags, [{ name: 'LAN agent' }, {}, { name: 'Admin', description: /Prefer/ }],
    'an Admin tag, describing Prefer')
  t.equal(document.components.securitySchemes.admin_token?.scheme, 'bearer', 'admin_token scheme')
  const operations = Object.entries(document.paths)
    .filter(([path]) => path.startsWith('/__admin/'))
    .flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => ['get', 'post', 'delete'].includes(method))
        .map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })),
    )
  t.equal(operations.length, 13,
    'thirteen admin operations (GET /__admin/state is the live view\'s)')
  for (const { name, operation } of operations) {
    t.match(operation.operationId, /^(get|post|delete)_admin_/, `${name}: an admin operation id`)
    t.same(operation.tags, ['Admin'], `${name}: tagged Admin only`)
    t.same(operation.security, [{ admin_token: [] }], `${name}: admin_token security`)
    const responses = Object.entries(operation.responses ?? {})
    t.ok(responses.some(([status]) => status === '401'), `${name}: documents 401`)
    for (const [status, response] of responses) {
      const schema = response.content?.['application/json']?.schema
      t.ok(schema, `${name} ${status}: has a schema`)
      if (Number(status) >= 400) {
        t.equal(schema?.$ref, '#/components/schemas/ApiErrorResponse', `${name} ${status}: envelope`)
      }
    }
  }
  const upstream = Object.values(document.paths)
    .flatMap((item) => Object.values(item))
    .filter((operation) => operation.tags?.includes('LAN agent'))
  t.ok(upstream.every((operation) => !operation.tags?.includes('Admin')), 'upstream ops untouched')
})
