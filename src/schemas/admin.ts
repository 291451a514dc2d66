import { Type, type TSchema } from '@sinclair/typebox'
import { TASK_ID_PATTERN } from './components.js'

/** Schemas of the admin surface (`/__admin`). Bodies refuse unknown fields; replies list all. */

export const ADMIN_TAG = 'Admin'

const Closed = <T extends Parameters<typeof Type.Object>[0]>(
  properties: T,
  options: object = {},
) => Type.Object(properties, { additionalProperties: false, ...options })
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const Instant = (description: string) => Type.String({ format: 'date-time', description })

const UlidInput = Type.String({ minLength: 1, maxLength: 64, description: 'A ULID.' })
const Name = Type.String({ minLength: 1, maxLength: 200 })
const Secret = Type.String({ minLength: 1, maxLength: 256 })

export const ResetQuery = Closed({
  org: Type.Optional(
    Type.String({ maxLength: 64, description: 'Reset this organisation only (a ULID).' }),
  ),
})

export const ResetResponse = Closed({
  scope: Type.Union([Type.Literal('all'), Type.Literal('org')]),
  org_id: Nullable(Type.String()),
  removed: Closed({
    fixture_orgs: Type.Integer(),
    fixture_users: Type.Integer(),
    fixture_integrations: Type.Integer(),
    fixture_catalog_entries: Type.Integer(),
    faults: Type.Integer(),
    bootstrap_keys: Nullable(Type.Integer({ description: 'Null for an org reset.' })),
  }),
})

const Org = Closed({ id: Type.String(), name: Type.String() })
const User = Closed({
  id: Type.String(),
  name: Type.String(),
  orgs: Type.Array(Type.String()),
  api_keys: Type.Array(Type.String(), {
    description: 'Secrets: send `X-API-Key: <anything>_openapp_<secret>`.',
  }),
  sessions: Type.Array(Type.String(), {
    description: 'Session values: send `Cookie: ory_kratos_session=<value>`.',
  }),
})
const Integration = Closed({
  id: Type.String(),
  org_id: Type.String(),
  provider: Type.String(),
  name: Type.String(),
})
const CatalogEntry = Closed({
  task: Type.String({ pattern: TASK_ID_PATTERN }),
  one_shot: Type.Boolean(),
  requires_integration: Type.Boolean(),
  description: Type.String({ maxLength: 2000 }),
})

export const FixturesRequest = Closed(
  {
    orgs: Type.Optional(
      Type.Array(Closed({ id: Type.Optional(UlidInput), name: Type.Optional(Name) }), {
        maxItems: 1000,
      }),
    ),
    users: Type.Optional(
      Type.Array(
        Closed({
          id: Type.Optional(UlidInput),
          name: Type.Optional(Name),
          orgs: Type.Array(UlidInput, { maxItems: 100 }),
          api_keys: Type.Optional(Type.Array(Secret, { maxItems: 20 })),
          sessions: Type.Optional(Type.Array(Secret, { maxItems: 20 })),
        }),
        { maxItems: 1000 },
      ),
    ),
    integrations: Type.Optional(
      Type.Array(
        Closed({
          id: Type.Optional(UlidInput),
          org_id: UlidInput,
          provider: Type.Optional(Name),
          name: Type.Optional(Name),
        }),
        { maxItems: 1000 },
      ),
    ),
    tasks_catalog: Type.Optional(Type.Array(CatalogEntry, { maxItems: 1000 })),
  },
  {
    description:
      'Records to add, all or nothing. Ids are generated when left out; a user without ' +
      '`api_keys` or `sessions` gets one generated of each. Users and integrations may name ' +
      'orgs of the same request.',
  },
)

export const FixturesResponse = Closed({
  orgs: Type.Array(Org),
  users: Type.Array(User),
  integrations: Type.Array(Integration),
  tasks_catalog: Type.Array(CatalogEntry),
})

const Headers = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]))
const Message = Closed({
  headers: Headers,
  body: Type.Unknown({ description: 'Parsed JSON, text, or null; secrets redacted.' }),
  body_truncated: Type.Boolean(),
})

export const JournalEntry = Closed({
  seq: Type.Integer(),
  request_id: Type.String(),
  received_at: Instant('Arrival, by the server clock.'),
  duration_ms: Type.Number(),
  method: Type.String(),
  path: Type.String(),
  url: Type.String({ description: 'As sent, with secret query parameters redacted.' }),
  operation_id: Nullable(Type.String()),
  status: Nullable(Type.Integer({ description: 'Null when a fault dropped the connection.' })),
  fault: Nullable(Type.String({ description: '`prefer`, or the id of the fault applied.' })),
  request: Message,
  response: Message,
})

export const JournalQuery = Closed({
  operation_id: Type.Optional(Type.String({ maxLength: 128 })),
  status: Type.Optional(Type.String({ pattern: '^[1-5][0-9]{2}$' })),
  request_id: Type.Optional(Type.String({ maxLength: 128 })),
  method: Type.Optional(Type.String({ pattern: '^[A-Za-z]{1,16}$' })),
  limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,5}$' })),
})

export const JournalResponse = Closed({
  instance_id: Type.String({ description: 'The instance whose journal this is.' }),
  capacity: Type.Integer(),
  dropped: Type.Integer({ description: 'Entries pushed out by newer ones since the last clear.' }),
  entries: Type.Array(JournalEntry, { description: 'Newest first.' }),
})

export const ClearedResponse = Closed({ cleared: Type.Integer() })

export const ClockRequest = Closed(
  {
    advance_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_153_600_000 })),
    advance_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_153_600_000_000 })),
  },
  { description: 'Exactly one of the two.' },
)

export const ClockResponse = Closed({
  offset_ms: Type.Integer({ description: 'How far the server clock is ahead of real time.' }),
  now: Instant('The server clock.'),
  now_ms: Type.Integer(),
  frozen: Type.Boolean({ description: 'True when CLOCK_FROZEN_AT stops real time.' }),
})

const Fault = Closed({
  id: Type.String(),
  operation_id: Type.String(),
  status: Nullable(Type.Integer()),
  latency_ms: Type.Integer(),
  drop_connection: Type.Boolean(),
  remaining: Nullable(Type.Integer({ description: 'Calls left; null means until cleared.' })),
  armed_at: Instant('When it was armed, by the server clock.'),
})

export const FaultRequest = Closed({
  operation_id: Type.String({ minLength: 1, maxLength: 128 }),
  status: Type.Optional(
    Type.Integer({ minimum: 100, maximum: 599, description: 'A documented status.' }),
  ),
  latency_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
  drop_connection: Type.Optional(Type.Boolean()),
  count: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Unset: until cleared.' }),
  ),
})

export const FaultResponse = Closed({ fault: Fault })
export const FaultListResponse = Closed({ faults: Type.Array(Fault) })
export const FaultClearQuery = Closed({
  operation_id: Type.Optional(Type.String({ maxLength: 128 })),
})

const KeyView = Closed({
  kid: Type.String(),
  created_at: Instant('Created, by the server clock.'),
  activates_at: Instant('Signs from this instant.'),
  retired_at: Nullable(Instant('Stops signing at this instant.')),
  signing: Type.Boolean(),
  published: Type.Boolean(),
})

export const KeysResponse = Closed({
  signing_kid: Nullable(Type.String()),
  from_file: Type.Boolean({ description: 'Keys from JWKS_PRIVATE_FILE are never rotated.' }),
  keys: Type.Array(KeyView),
})

export const RotateRequest = Type.Union([
  Closed({
    activate_in_seconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 86_400,
        description: 'Publish the new key now and let it sign this much later (default 0).',
      }),
    ),
  }),
  Type.Null(),
])

export const RotateResponse = Closed({
  rotated_kid: Type.String(),
  signing_kid: Nullable(Type.String()),
  from_file: Type.Boolean(),
  keys: Type.Array(KeyView),
})
