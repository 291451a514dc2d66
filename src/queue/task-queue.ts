import { ApiError } from '../errors/api-error.js'
import type { Store, TaskRecord } from '../store/types.js'

export interface TaskQueueOptions {
  store: Store
  now: () => number
  ttlMs: number
  maxTasks: number
}

/** What an agent receives for a task. Times are ISO 8601 in UTC. */
export interface TaskSpecView {
  task_id: string
  integration_id: string
  payload: unknown
  queued_at: string
  expires_at: string
}

/**
 * Per-integration task queues. A new task id joins the end; a known id keeps its place and
 * takes the new payload (and a fresh expiry). Expired tasks vanish from every read.
 */
export class TaskQueue {
  readonly #options: TaskQueueOptions

  constructor(options: TaskQueueOptions) {
    this.#options = options
  }

  async enqueue(orgId: string, integrationId: string, taskId: string, payload: unknown) {
    const { store, now, ttlMs, maxTasks } = this.#options
    const result = await store.putTask({
      orgId,
      integrationId,
      taskId,
      payloadJson: JSON.stringify(payload),
      now: now(),
      ttlMs,
      maxTasks,
    })
    if (result.status === 'queue_full') {
      throw new ApiError(
        'queue_full',
        `The task queue of this integration is full (${maxTasks} tasks); let some expire or drain.`,
        { headers: { 'retry-after': '60' } },
      )
    }
    return result
  }

  list(orgId: string, integrationId: string): Promise<string[]> {
    return this.#options.store.listTaskIds(orgId, integrationId, this.#options.now())
  }
}

export function taskSpecView(task: TaskRecord): TaskSpecView {
  return {
    task_id: task.taskId,
    integration_id: task.integrationId,
    payload: JSON.parse(task.payloadJson) as unknown,
    queued_at: new Date(task.queuedAt).toISOString(),
    expires_at: new Date(task.expiresAt).toISOString(),
  }
}
