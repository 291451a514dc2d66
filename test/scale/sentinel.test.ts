import { Redis } from 'ioredis'
import t from 'tap'
import { randomPrefix } from '../fixtures/redis.js'
import { waitFor } from '../fixtures/scale/processes.js'
import { redisBinariesSkip, startRedisSentinel } from '../fixtures/scale/redis-servers.js'
import { startServerProcess, type ServerProcess } from '../fixtures/scale/server-process.js'
import { ALICE, INT_A1, ORG_A } from '../fixtures/seed.js'

const orgA = { ...ALICE, 'x-org': ORG_A }

async function listed(server: ServerProcess) {
  const response = await server.request(`/api/v1/integrations/${INT_A1}/lan-agent/tasks`, {
    headers: orgA,
  })
  return { status: response.status, body: await response.text() }
}

t.test('a server on Redis Sentinel keeps serving across a failover', { skip: redisBinariesSkip() },
  async (t) => {
    const setup = await startRedisSentinel(t)
    const prefix = randomPrefix()
    const server = await startServerProcess(t, 'S', {
      REDIS_SENTINELS: setup.sentinels,
      REDIS_SENTINEL_NAME: setup.masterName,
      REDIS_KEY_PREFIX: prefix,
    })

    const pushed = await server.request(`/api/v1/integrations/${INT_A1}/lan-agent/task-spec`, {
      method: 'POST',
      headers: { ...orgA, 'content-type': 'application/json' },
      body: JSON.stringify({ task_id: 'sentinel-1', lan_protocol_version: 2, payload: {} }),
    })
    t.equal(pushed.status, 200, 'a task is stored through the Sentinel-named master')

    const master = new Redis(setup.master.url, { lazyConnect: true })
    t.teardown(() => master.disconnect())
    await master.connect()
    const [, keys] = await master.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 1000)
    t.ok(keys.length > 0, 'the keys live on the master the Sentinel named')
    // The task must reach the replica before the master dies, or the failover would lose it.
    t.equal(Number(await master.call('WAIT', '1', '5000')), 1, 'the replica acknowledged it')
    master.disconnect()

    await setup.master.stop()
    const stoppedAt = Date.now()
    await waitFor('the Sentinel to promote the replica',
      async () => (await setup.currentMaster()) === `127.0.0.1:${setup.replicaPort}`,
      { timeoutMs: 60_000, intervalMs: 250 })
    await waitFor('the server to follow the new master',
      async () => (await listed(server)).status === 200,
      { timeoutMs: 60_000, intervalMs: 250 })
    t.comment(`served again ${Date.now() - stoppedAt} ms after the master stopped`)
    t.same(JSON.parse((await listed(server)).body), { task_ids: ['sentinel-1'] },
      'the task survived the failover and is served from the new master')
    const after = await server.request(`/api/v1/integrations/${INT_A1}/lan-agent/task-spec`, {
      method: 'POST',
      headers: { ...orgA, 'content-type': 'application/json' },
      body: JSON.stringify({ task_id: 'sentinel-2', lan_protocol_version: 2, payload: {} }),
    })
    t.equal(after.status, 200, 'writes go to the promoted master')
  })
