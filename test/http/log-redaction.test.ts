import { pino } from 'pino'
import t from 'tap'
import { loggerOptions, redactUrl } from '../../src/logging.js'

/** The production logger options, writing into an array. */
function capture() {
  const lines: string[] = []
  const log = pino(loggerOptions('info'), { write: (line: string) => lines.push(line) })
  return { log, lines }
}

t.test('secrets are censored at the top and one level down, nothing else is touched', async (t) => {
  const { log, lines } = capture()
  const record = { key: '01KDVDNA00KEYKEYKEYKEYKEYK', token: 'eyJ.secret-one.sig', owner: 'alice' }
  log.info({ record, token: 'secret-two', key: 'secret-three', kept: { a: 1 } }, 'stored')
  const error = Object.assign(new Error('signing failed'), { access_token: 'secret-four' })
  log.error({ err: error }, 'failed')
  log.child({ token: 'secret-five' }).info('child')
  const all = lines.join('')
  for (const secret of ['secret-one', 'secret-two', 'secret-three', 'secret-four', 'secret-five']) {
    t.notOk(all.includes(secret), `${secret} never reaches the log`)
  }
  const [stored, failed, child] = lines.map((line) => JSON.parse(line))
  t.same(stored.record, { key: '01KDVDNA00KEYKEYKEYKEYKEYK', token: '[redacted]', owner: 'alice' },
    'a nested token is censored; the nested key and other fields stay')
  t.same(stored.kept, { a: 1 }, 'objects without secrets are logged as they are')
  t.equal(stored.token, '[redacted]', 'a top-level token is censored')
  t.match(failed.err, { message: 'signing failed', type: 'Error', stack: /signing failed/ },
    'a censored error keeps its message, type and stack')
  t.equal(failed.err.access_token, '[redacted]', 'the error field is censored')
  t.equal(child.token, '[redacted]', 'a secret child binding is censored too')
  t.equal(record.token, 'eyJ.secret-one.sig', 'the caller object is not modified')
  t.equal(error.access_token, 'secret-four', 'the caller error is not modified')
})

t.test('secret query parameters are censored in logged URLs', async (t) => {
  t.equal(redactUrl('/api/v1/lan-agent/meta'), '/api/v1/lan-agent/meta', 'no query: unchanged')
  t.equal(
    redactUrl('/x?key=01KDVDNA00SECRET&access_token=abc&Token=def&other=1'),
    '/x?key=[redacted]&access_token=[redacted]&Token=[redacted]&other=[redacted]',
    'every value censored, names kept: a secret name can be encoded (?%6Bey=)',
  )
  t.equal(redactUrl('/x&key=abc'), '/x&key=[redacted]', 'an & without a ? is censored too')
})
