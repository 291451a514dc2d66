import { Type, type Static, type TSchema } from '@sinclair/typebox'

/**
 * The named schemas of the API. Their `$id`s are the upstream component names, so the generated
 * OpenAPI document lines up with the upstream contract component by component.
 */

const Int32 = (options: object = {}) =>
  Type.Integer({ format: 'int32', minimum: 0, maximum: 2_147_483_647, ...options })
const Int64 = (options: object = {}) =>
  Type.Integer({ format: 'int64', minimum: 0, ...options })
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
/** Any JSON value: the upstream leaves these unconstrained. */
const AnyJson = (options: object = {}) => Type.Unknown(options)

export const TASK_ID_PATTERN = '^[A-Za-z0-9._:-]{1,128}$'

export const ApiErrorResponse = Type.Object(
  {
    message: Type.String({ description: 'What went wrong, for a person.' }),
    error_code: Nullable(Type.String({ description: 'Stable snake_case code to branch on.' })),
    correlationId: Type.String({ description: 'The request id, also sent as X-Request-Id.' }),
    min_lan_protocol_version: Type.Optional(Int32()),
    lan_protocol_version: Type.Optional(Int32()),
    upgrade_download_url: Type.Optional(Nullable(Type.String())),
    limit_bytes: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  {
    $id: 'ApiErrorResponse',
    additionalProperties: false,
    description: 'The one error envelope of every non-2xx reply.',
  },
)

export const CatalogEntry = Type.Object(
  {
    task: Type.String(),
    one_shot: Type.Boolean(),
    requires_integration: Type.Boolean(),
    description: Type.String(),
  },
  { additionalProperties: false },
)

export const LanAgentMetaResponse = Type.Object(
  {
    lan_protocol_version: Int32(),
    tasks_catalog: Type.Array(CatalogEntry, {
      description: 'Task kinds this deployment knows, from its seed.',
    }),
    latest_agent_version: Nullable(Type.String()),
    min_supported_agent_version: Nullable(Type.String()),
    upgrade_download_url: Nullable(Type.String()),
  },
  { $id: 'LanAgentMetaResponse', additionalProperties: false },
)

export const LanAgentBootstrapTokenRequest = Type.Object(
  {
    task_id: Type.String({
      pattern: TASK_ID_PATTERN,
      description: '`serve` for the long-running agent; any other id runs once.',
    }),
    api_base_url: Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'Absolute http(s) URL of the API as the agent will reach it.',
    }),
    integration_id: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
    device_id: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
  },
  { $id: 'LanAgentBootstrapTokenRequest' },
)

export const LanAgentBootstrapTokenResponse = Type.Object(
  {
    bootstrap_key: Type.String({ description: 'ULID to pass as `key` to bootstrap.sh.' }),
    expires_in: Int64({ description: 'Seconds until the key expires.' }),
  },
  { $id: 'LanAgentBootstrapTokenResponse', additionalProperties: false },
)

export const LanAgentCliTokenResponse = Type.Object(
  {
    access_token: Type.String(),
    token_type: Type.String(),
    expires_in: Int64(),
  },
  { $id: 'LanAgentCliTokenResponse', additionalProperties: false },
)

export const LanAgentTaskSpecRequest = Type.Object(
  {
    lan_protocol_version: Int32(),
    task_id: Type.String({ pattern: TASK_ID_PATTERN }),
    payload: AnyJson({ description: 'Opaque JSON handed to the agent as it is.' }),
  },
  { $id: 'LanAgentTaskSpecRequest', additionalProperties: false },
)

export const TaskSpec = Type.Object(
  {
    task_id: Type.String(),
    integration_id: Type.String(),
    payload: AnyJson(),
    queued_at: Type.String({ format: 'date-time' }),
    expires_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, description: 'A stored task.' },
)

export const LanAgentTaskSpecResponse = Type.Object(
  {
    lan_protocol_version: Int32(),
    task_id: Type.String(),
    spec: TaskSpec,
  },
  { $id: 'LanAgentTaskSpecResponse', additionalProperties: false },
)

export const LanAgentTasksResponse = Type.Object(
  { task_ids: Type.Array(Type.String(), { description: 'Live task ids, oldest first.' }) },
  { $id: 'LanAgentTasksResponse', additionalProperties: false },
)

export const components = [
  ApiErrorResponse,
  LanAgentMetaResponse,
  LanAgentBootstrapTokenRequest,
  LanAgentBootstrapTokenResponse,
  LanAgentCliTokenResponse,
  LanAgentTaskSpecRequest,
  LanAgentTaskSpecResponse,
  LanAgentTasksResponse,
]

export type MetaResponse = Static<typeof LanAgentMetaResponse>
export type BootstrapTokenRequest = Static<typeof LanAgentBootstrapTokenRequest>
export type TaskSpecRequest = Static<typeof LanAgentTaskSpecRequest>
export type TaskSpecResponse = Static<typeof LanAgentTaskSpecResponse>
