import fp from 'fastify-plugin'
import { TaskQueue } from '../../queue/task-queue.js'

declare module 'fastify' {
  interface FastifyInstance {
    taskQueue: TaskQueue
  }
}

export default fp(
  async (app) => {
    app.decorate(
      'taskQueue',
      new TaskQueue({
        store: app.store,
        now: () => app.clock.now(),
        ttlMs: app.config.TASK_TTL_SECONDS * 1000,
        maxTasks: app.config.TASK_QUEUE_MAX,
      }),
    )
  },
  { name: 'queue', dependencies: ['core', 'store'] },
)
