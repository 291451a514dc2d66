import t from 'tap'
import { loggerOptions } from '../../src/logging.js'
import { buildTestApp } from '../fixtures/app.js'
import { ALICE, API } from '../fixtures/seed.js'

interface LogLine {
  level: number
  msg: string
  reqId?: string
}

/** A logger configured as in production, writing into an array instead of stdout. */
function capturingLogger(level: string) {
  const raw: string[] = []
  return {
    raw,
    lines: () => raw.map((line) => JSON.parse(line) as LogLine),
    logger: { ...loggerOptions(level), stream: { write: (line: string) => raw.push(line) } },
  }
}

t.test('at info, one access line per request with status, time and a redacted url', async (t) => {
  const capture = capturingLogger('info')
  const built = await buildTestApp(t, { logger: capture.logger })
  if (!built) return
  const reply = await built.app.inject({
    url: `${API}/lan-agent/meta?key=01KDVDNA00SECRETSECRETSECRE`,
    headers: { ...ALICE, cookie: 'ory_kratos_session=dev-alice-session' },
  })
  t.equal(reply.statusCode, 200, 'served')
  const id = reply.headers['x-request-id']
  const mine = capture.lines().filter((line) => line.reqId === id)
  t.equal(mine.length, 1, 'exactly one line for the request')
  t.match(
    mine[0],
    {
      level: 30,
      msg: 'request completed',
      method: 'GET',
      url: `${API}/lan-agent/meta?key=[redacted]`,
      remoteAddress: String,
      statusCode: 200,
      responseTime: Number,
    },
    'the line carries method, redacted url, status and duration',
  )
  const all = capture.raw.join('')
  t.notOk(all.includes('SECRETSECRET'), 'the key query value never reaches the log')
  t.notOk(all.includes('dev-alice-key'), 'the API key never reaches the log')
  t.notOk(all.includes('dev-alice-session'), 'the session never reaches the log')
})

t.test('at debug, the start of each request is logged as well', async (t) => {
  const capture = capturingLogger('debug')
  const built = await buildTestApp(t, { logger: capture.logger })
  if (!built) return
  const reply = await built.app.inject({ url: `${API}/lan-agent/meta` })
  const mine = capture.lines().filter((line) => line.reqId === reply.headers['x-request-id'])
  t.same(
    mine.map((line) => line.msg),
    ['incoming request', 'request completed'],
    'a start line at debug, then the access line',
  )
  t.equal(mine[0]?.level, 20, 'the start line is at debug')
})
