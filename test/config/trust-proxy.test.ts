import t from 'tap'
import { ConfigError, loadConfig } from '../../src/config/load.js'
import { parseTrustProxy } from '../../src/config/trust-proxy.js'
import { buildTestApp } from '../fixtures/app.js'
import { ALICE, ORG_A } from '../fixtures/seed.js'

t.test('TRUST_PROXY forms', async (t) => {
  t.equal(parseTrustProxy('false'), false, 'false')
  t.equal(parseTrustProxy('TRUE'), true, 'true, any case')
  t.equal(parseTrustProxy('0'), false, 'zero hops trusts nobody')
  t.equal(parseTrustProxy('2'), 2, 'a hop count')
  t.same(parseTrustProxy('10.0.0.0/8, 127.0.0.1'), ['10.0.0.0/8', '127.0.0.1'], 'a list')
  t.same(parseTrustProxy('fd00::/8,loopback'), ['fd00::/8', 'loopback'], 'IPv6 and names')
  for (const bad of ['yes', '10.0.0.0/33', '300.1.1.1', 'proxy.local', '1,,2', '99']) {
    t.throws(() => parseTrustProxy(bad), `${JSON.stringify(bad)} is refused`)
  }
})

t.test('a bad TRUST_PROXY stops the start, naming the variable', async (t) => {
  t.throws(() => loadConfig({ TRUST_PROXY: 'sometimes' }), ConfigError, 'a ConfigError')
  t.throws(() => loadConfig({ TRUST_PROXY: 'sometimes' }), /TRUST_PROXY: expected true, false/,
    'the message names TRUST_PROXY')
  t.equal(loadConfig({}).TRUST_PROXY, 'false', 'off by default')
})

async function clientIp(t: Parameters<typeof buildTestApp>[0], trust: string | undefined) {
  const built = await buildTestApp(t, { env: trust === undefined ? {} : { TRUST_PROXY: trust } })
  if (!built) throw new Error('no app')
  // A probe route added before the app is ready: it shows what request.ip resolved to.
  built.app.get('/test-only/ip', async (request) => ({ ip: request.ip }))
  const seen = async (remoteAddress: string, forwarded: string) =>
    (
      await built.app.inject({
        url: '/test-only/ip',
        remoteAddress,
        headers: { 'x-forwarded-for': forwarded },
      })
    ).json().ip as string
  return { app: built.app, seen }
}

t.test('request.ip ignores X-Forwarded-For unless the peer is trusted', async (t) => {
  const off = await clientIp(t, undefined)
  t.equal(await off.seen('10.1.1.1', '203.0.113.9'), '10.1.1.1', 'default: the peer address')

  const hop = await clientIp(t, '1')
  t.equal(await hop.seen('10.1.1.1', '198.51.100.1, 203.0.113.9'), '203.0.113.9',
    'one hop: the address the proxy saw')
  const twoHops = await clientIp(t, '2')
  t.equal(await twoHops.seen('10.1.1.1', '198.51.100.1, 203.0.113.5, 10.2.2.2'), '203.0.113.5',
    'two hops: no further left than two, whatever the client prepended')

  const list = await clientIp(t, '10.0.0.0/8')
  t.equal(await list.seen('10.1.1.1', '203.0.113.9'), '203.0.113.9', 'a trusted peer forwards')
  t.equal(await list.seen('192.0.2.7', '203.0.113.9'), '192.0.2.7', 'an untrusted one does not')
})

t.test('forwarded headers never reach a URL the server hands out', async (t) => {
  const { app } = await clientIp(t, 'true')
  const spoofed = {
    'x-forwarded-host': 'attacker.example',
    'x-forwarded-proto': 'https',
    host: 'attacker.example',
  }
  const meta = await app.inject({ url: '/api/v1/lan-agent/meta', headers: spoofed })
  t.equal(meta.statusCode, 200, 'meta answers')
  t.notMatch(meta.body, /attacker\.example/, 'meta builds no URL from Host or X-Forwarded-*')

  const minted = await app.inject({
    method: 'POST',
    url: '/api/v1/lan-agent/cli/bootstrap-token',
    headers: { ...ALICE, 'x-org': ORG_A, ...spoofed },
    payload: { task_id: 'serve', api_base_url: 'http://localhost:4455/api/v1' },
  })
  t.equal(minted.statusCode, 200, 'a bootstrap key is minted')
  const script = await app.inject({
    url: `/api/v1/lan-agent/cli/bootstrap.sh?key=${minted.json().bootstrap_key}`,
    headers: spoofed,
  })
  t.equal(script.statusCode, 200, 'the installer is served')
  t.notMatch(script.body, /attacker\.example/, 'nor does the installer')
})
