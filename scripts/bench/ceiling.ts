// The ceiling: bare Fastify on the same Node, answering every request with a tiny JSON object.
// It takes the very requests the server takes (same method, headers and body, so Fastify parses
// the same JSON), which makes "ratio to ceiling" the share of the framework's own limit that the
// server's work leaves. Usage: node --import tsx scripts/bench/ceiling.ts <port>
import Fastify from 'fastify'

const port = Number(process.argv[2] ?? 0)
const app = Fastify({ logger: false })
app.all('/*', async () => ({ hello: 'world' }))
await app.listen({ host: '127.0.0.1', port })
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0))
})
