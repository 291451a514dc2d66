import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Static } from '@sinclair/typebox'
import { AdminStateResponse } from '../../schemas/admin-state.js'
import { errorResponses } from '../../schemas/responses.js'
import type { BootstrapRecord, TaskRecord } from '../../store/types.js'
import { adminOperation, services } from './common.js'

/**
 * A queue may hold 10,000 tasks; the page shows the oldest of them and the count, so one poll
 * a second stays small.
 */
const TASKS_SHOWN_MAX = 100

const schema = {
  ...adminOperation,
  operationId: 'get_admin_state',
  summary: 'Tenants, queues and live bootstrap keys, for the live view',
  description:
    'Read-only. Every org (seed and fixtures) with its members, its integrations and each ' +
    'queue, and the live bootstrap keys with who minted them for which task. Credentials ' +
    'never appear: users come without keys or sessions, and a bootstrap key only as a hint of ' +
    'its first and last four characters. Times are by the server clock.',
  response: { 200: AdminStateResponse, ...errorResponses(401, 500, 503) },
}

type State = Static<typeof AdminStateResponse>

const iso = (ms: number) => new Date(ms).toISOString()

function taskView(task: TaskRecord, now: number) {
  return {
    task_id: task.taskId,
    queued_at: iso(task.queuedAt),
    expires_at: iso(task.expiresAt),
    age_ms: Math.max(0, now - task.queuedAt),
    expires_in_ms: task.expiresAt - now,
  }
}

const state: FastifyPluginAsyncTypebox = async (app) => {
  const admin = services(app)
  const keyView = (record: BootstrapRecord, now: number) => ({
    key_hint: `${record.key.slice(0, 4)}…${record.key.slice(-4)}`,
    user_id: record.userId,
    user_name: app.directory.user(record.userId)?.name ?? null,
    org_ids: [...record.orgIds],
    task_id: record.taskId,
    integration_id: record.integrationId,
    created_at: iso(record.createdAt),
    expires_at: iso(record.expiresAt),
    expires_in_ms: record.expiresAt - now,
  })

  app.get('/state', { schema }, async (): Promise<State> => {
    const now = app.clock.now()
    const { directory, store } = app
    const members = (orgId: string) =>
      directory
        .users()
        .filter((user) => user.orgIds.includes(orgId))
        .map((user) => ({ id: user.id, name: user.name }))
    const orgs = await Promise.all(
      directory.orgs().map(async (org) => ({
        id: org.id,
        name: org.name,
        users: members(org.id),
        integrations: await Promise.all(
          directory.integrationsOf(org.id).map(async (integration) => {
            const tasks = await store.listTasks(org.id, integration.id, now)
            return {
              id: integration.id,
              name: integration.name,
              provider: integration.provider,
              queue: {
                size: tasks.length,
                tasks: tasks.slice(0, TASKS_SHOWN_MAX).map((task) => taskView(task, now)),
              },
            }
          }),
        ),
      })),
    )
    const keys = await store.listBootstrapKeys(now)
    return {
      instance_id: admin.instanceId,
      store: store.kind,
      now: iso(now),
      now_ms: now,
      clock_offset_ms: app.clock.offsetMs,
      tasks_shown_max: TASKS_SHOWN_MAX,
      orgs,
      bootstrap_keys: keys
        .sort((a, b) => a.expiresAt - b.expiresAt)
        .map((record) => keyView(record, now)),
    }
  })
}

export default state
