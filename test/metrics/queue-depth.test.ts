import t from 'tap'
import { QueueDepthSampler } from '../../src/metrics/queue-depth.js'

function sampler(count: number, options: { maxIntegrations?: number } = {}) {
  let now = 1_000
  let reads = 0
  let depth = 1
  let release: () => void = () => {}
  let gate: Promise<void> | null = null
  const integrations = Array.from({ length: count }, (_, i) => ({
    id: `INT${String(count - i).padStart(3, '0')}`,
    orgId: 'ORG',
  }))
  const instance = new QueueDepthSampler({
    integrations: () => integrations,
    depth: async () => {
      reads++
      if (gate) await gate
      return depth
    },
    now: () => now,
    maxAgeMs: 5_000,
    maxIntegrations: options.maxIntegrations ?? 100,
  })
  return {
    instance,
    reads: () => reads,
    setDepth: (value: number) => (depth = value),
    advance: (ms: number) => (now += ms),
    hold: () => (gate = new Promise((resolve) => (release = resolve))),
    release: () => {
      gate = null
      release()
    },
  }
}

t.test('a sample younger than the bound is served again without reading', async (t) => {
  const s = sampler(3)
  t.same((await s.instance.sample()).map((x) => x.depth), [1, 1, 1], 'first sample read')
  t.equal(s.reads(), 3, 'one read per integration')
  s.setDepth(7)
  s.advance(4_999)
  t.same((await s.instance.sample()).map((x) => x.depth), [1, 1, 1], 'cached within 5 s')
  t.equal(s.reads(), 3, 'no read while cached')
  s.advance(1)
  t.same((await s.instance.sample()).map((x) => x.depth), [7, 7, 7], 're-read at the bound')
  t.equal(s.reads(), 6, 'one more read per integration')
})

t.test('scrapes arriving together share one read', async (t) => {
  const s = sampler(2)
  s.hold()
  const together = [s.instance.sample(), s.instance.sample(), s.instance.sample()]
  s.release()
  const results = await Promise.all(together)
  t.equal(s.reads(), 2, 'read once for three scrapes')
  t.equal(results[0], results[2], 'all three get the same sample')
})

t.test('at most maxIntegrations queues are read, in id order', async (t) => {
  const s = sampler(10, { maxIntegrations: 4 })
  const samples = await s.instance.sample()
  t.equal(s.reads(), 4, 'four reads')
  t.same(samples.map((x) => x.integrationId), ['INT001', 'INT002', 'INT003', 'INT004'],
    'the first four ids')
})

t.test('a failed read leaves no cached sample behind', async (t) => {
  let fail = true
  const instance = new QueueDepthSampler({
    integrations: () => [{ id: 'I', orgId: 'O' }],
    depth: async () => {
      if (fail) throw new Error('store down')
      return 3
    },
    now: () => 0,
    maxAgeMs: 5_000,
    maxIntegrations: 10,
  })
  await t.rejects(instance.sample(), /store down/, 'the failure reaches the caller')
  fail = false
  t.same(await instance.sample(), [{ orgId: 'O', integrationId: 'I', depth: 3 }], 'next read works')
})
