import { Type } from '@sinclair/typebox'

/** The reply of GET /__admin/state, which the live view at /__admin/ui polls. */

const Closed = <T extends Parameters<typeof Type.Object>[0]>(
  properties: T,
  options: object = {},
) => Type.Object(properties, { additionalProperties: false, ...options })
const Instant = (description: string) => Type.String({ format: 'date-time', description })
const Millis = (description: string) => Type.Integer({ description })

const QueuedTask = Closed({
  task_id: Type.String(),
  queued_at: Instant('When it was stored or last updated, by the server clock.'),
  expires_at: Instant('When it leaves the queue, by the server clock.'),
  age_ms: Millis('Server clock minus `queued_at`.'),
  expires_in_ms: Millis('`expires_at` minus the server clock.'),
})

const IntegrationState = Closed({
  id: Type.String(),
  name: Type.String(),
  provider: Type.String(),
  queue: Closed({
    size: Type.Integer({ description: 'Live tasks in the queue.' }),
    tasks: Type.Array(QueuedTask, { description: 'Oldest first, at most `tasks_shown_max`.' }),
  }),
})

const OrgState = Closed({
  id: Type.String(),
  name: Type.String(),
  users: Type.Array(Closed({ id: Type.String(), name: Type.String() }), {
    description: 'Members, without their credentials.',
  }),
  integrations: Type.Array(IntegrationState),
})

const BootstrapKeyState = Closed({
  key_hint: Type.String({
    description:
      'The first and last four characters of the key; the key itself is a credential (it ' +
      'fetches the installer, which embeds a JWT) and is never shown.',
  }),
  user_id: Type.String(),
  user_name: Type.Union([Type.String(), Type.Null()]),
  org_ids: Type.Array(Type.String()),
  task_id: Type.String(),
  integration_id: Type.Union([Type.String(), Type.Null()]),
  created_at: Instant('Minted, by the server clock.'),
  expires_at: Instant('Expiry, by the server clock.'),
  expires_in_ms: Millis('`expires_at` minus the server clock.'),
})

export const AdminStateResponse = Closed({
  instance_id: Type.String({ description: 'The instance that answered.' }),
  store: Type.Union([Type.Literal('memory'), Type.Literal('redis')]),
  now: Instant('The server clock.'),
  now_ms: Type.Integer(),
  clock_offset_ms: Type.Integer({ description: 'How far the server clock is ahead of real time.' }),
  tasks_shown_max: Type.Integer({ description: 'Tasks listed per queue; `size` counts all.' }),
  orgs: Type.Array(OrgState, { description: 'Seed and fixtures, with their queues.' }),
  bootstrap_keys: Type.Array(BootstrapKeyState, {
    description: 'Live keys, soonest expiry first.',
  }),
})
