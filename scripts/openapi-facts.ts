/**
 * The structural facts of an OpenAPI 3.1 document, without its prose: paths, methods, operation
 * ids, parameters, bodies, statuses, media types and the schema facts the contract fixes
 * (types, formats, minimums, `required`, properties). The upstream contract is kept in the
 * project in this form (contract/upstream-fingerprint.json), so CI can compare the generated
 * document against it without the upstream file, and no sentence of the upstream is copied.
 */

export interface SchemaFacts {
  /** A component reference, by component name. */
  ref?: string
  /** Sorted JSON types; absent means the schema leaves the type open. */
  types?: string[]
  format?: string
  minimum?: number
  required?: string[]
  properties?: Record<string, SchemaFacts>
  items?: SchemaFacts
}

export interface ParameterFacts {
  name: string
  in: string
  required: boolean
  schema: SchemaFacts
}

export interface OperationFacts {
  operationId: string
  method: string
  path: string
  /** The server URLs the operation is served under (its own, else the document's). */
  servers: string[]
  /** Security scheme names of each alternative requirement; empty means no credential. */
  security: string[][]
  parameters: ParameterFacts[]
  requestBody: { required: boolean; content: Record<string, SchemaFacts | null> } | null
  /** Status code -> media type -> schema facts (null when the media type has no schema). */
  responses: Record<string, Record<string, SchemaFacts | null>>
}

export interface ContractFacts {
  openapi: string
  servers: string[]
  securitySchemes: Record<string, { type: string; scheme?: string }>
  operations: OperationFacts[]
  schemas: Record<string, SchemaFacts>
}

type Json = Record<string, unknown>

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
const COMPONENT_REF = '#/components/schemas/'

export function contractFacts(document: Json): ContractFacts {
  const servers = serverUrls(document.servers) ?? ['/']
  const operations: OperationFacts[] = []
  const paths = (document.paths ?? {}) as Record<string, Json>
  for (const path of Object.keys(paths).sort()) {
    const item = paths[path]!
    const itemServers = serverUrls(item.servers)
    for (const method of METHODS) {
      const operation = item[method] as Json | undefined
      if (!operation) continue
      operations.push(operationFacts(path, method, operation, item, {
        servers: serverUrls(operation.servers) ?? itemServers ?? servers,
        security: (operation.security ?? document.security ?? []) as Json[],
      }))
    }
  }
  operations.sort((a, b) => a.operationId.localeCompare(b.operationId))
  const components = (document.components ?? {}) as Json
  const schemas: Record<string, SchemaFacts> = {}
  const rawSchemas = (components.schemas ?? {}) as Record<string, Json>
  for (const name of Object.keys(rawSchemas).sort()) schemas[name] = schemaFacts(rawSchemas[name])
  const securitySchemes: ContractFacts['securitySchemes'] = {}
  const rawSchemes = (components.securitySchemes ?? {}) as Record<string, Json>
  for (const name of Object.keys(rawSchemes).sort()) {
    const scheme = rawSchemes[name]!
    securitySchemes[name] = {
      type: String(scheme.type),
      ...(typeof scheme.scheme === 'string' ? { scheme: scheme.scheme.toLowerCase() } : {}),
    }
  }
  return { openapi: String(document.openapi), servers, securitySchemes, operations, schemas }
}

function operationFacts(
  path: string,
  method: string,
  operation: Json,
  item: Json,
  inherited: { servers: string[]; security: Json[] },
): OperationFacts {
  const inheritedParameters = (item.parameters ?? []) as Json[]
  const parameters = [...inheritedParameters, ...((operation.parameters ?? []) as Json[])]
    .map((parameter) => ({
      name: String(parameter.name),
      in: String(parameter.in),
      required: parameter.required === true,
      schema: schemaFacts(parameter.schema),
    }))
    .sort((a, b) => `${a.in} ${a.name}`.localeCompare(`${b.in} ${b.name}`))
  const body = operation.requestBody as Json | undefined
  const responses: OperationFacts['responses'] = {}
  const rawResponses = (operation.responses ?? {}) as Record<string, Json>
  for (const status of Object.keys(rawResponses).sort()) {
    responses[status] = contentFacts(rawResponses[status]!.content)
  }
  return {
    operationId: String(operation.operationId),
    method,
    path,
    servers: inherited.servers,
    security: inherited.security.map((requirement) => Object.keys(requirement).sort()),
    parameters,
    requestBody: body
      ? { required: body.required === true, content: contentFacts(body.content) }
      : null,
    responses,
  }
}

function contentFacts(content: unknown): Record<string, SchemaFacts | null> {
  const result: Record<string, SchemaFacts | null> = {}
  const media = (content ?? {}) as Record<string, Json>
  for (const type of Object.keys(media).sort()) {
    const schema = media[type]!.schema
    result[type] = schema === undefined ? null : schemaFacts(schema)
  }
  return result
}

function serverUrls(servers: unknown): string[] | undefined {
  if (!Array.isArray(servers) || servers.length === 0) return undefined
  return servers.map((server) => String((server as Json).url))
}

/**
 * Facts of one schema. A nullable union written either way (`type: [string, null]`, or
 * `anyOf: [{type: string}, {type: null}]` as TypeBox writes it) gives the same facts, so the
 * two spellings compare equal. References are kept by component name.
 */
export function schemaFacts(raw: unknown): SchemaFacts {
  if (raw === null || typeof raw !== 'object') return {}
  const schema = raw as Json
  if (typeof schema.$ref === 'string') {
    const ref = schema.$ref
    return { ref: ref.startsWith(COMPONENT_REF) ? ref.slice(COMPONENT_REF.length) : ref }
  }
  const branches = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined
  if (Array.isArray(branches)) return mergeBranches(branches.map(schemaFacts))
  const facts: SchemaFacts = {}
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type.map(String) : [String(schema.type)]
    facts.types = [...new Set(types)].sort()
  }
  if (typeof schema.format === 'string') facts.format = schema.format
  if (typeof schema.minimum === 'number') facts.minimum = schema.minimum
  if (Array.isArray(schema.required)) facts.required = schema.required.map(String).sort()
  if (schema.properties && typeof schema.properties === 'object') {
    const properties: Record<string, SchemaFacts> = {}
    const raw = schema.properties as Record<string, unknown>
    for (const name of Object.keys(raw).sort()) properties[name] = schemaFacts(raw[name])
    facts.properties = properties
  }
  if (schema.items !== undefined) facts.items = schemaFacts(schema.items)
  return facts
}

/** A union of simple branches: its types are the union of theirs, the rest must agree. */
function mergeBranches(branches: SchemaFacts[]): SchemaFacts {
  if (branches.some((branch) => branch.types === undefined && branch.ref === undefined)) return {}
  const merged: SchemaFacts = {}
  const types = new Set<string>()
  for (const branch of branches) {
    if (branch.ref !== undefined) {
      // A reference inside a union keeps its name; only `X | null` is written this way.
      merged.ref = branch.ref
      continue
    }
    for (const type of branch.types ?? []) types.add(type)
    for (const key of ['format', 'minimum', 'required', 'properties', 'items'] as const) {
      if (branch[key] !== undefined) (merged as Record<string, unknown>)[key] = branch[key]
    }
  }
  if (types.size > 0) merged.types = [...types].sort()
  return merged
}
