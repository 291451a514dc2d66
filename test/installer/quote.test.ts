import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { shellQuote } from '../../src/installer/quote.js'
import { tempDir } from '../fixtures/installer/processes.js'
import { BASH } from '../fixtures/installer/tools.js'

const dir = tempDir(t, 'quote')
const marker = join(dir, 'pwned')

const HOSTILE = [
  '',
  "'",
  "''",
  "it's",
  "\\'",
  "'\\",
  `$(touch ${marker})`,
  `\`touch ${marker}\``,
  `\${IFS}$(touch ${marker})`,
  `'; touch ${marker}; echo '`,
  `"; touch ${marker}; echo "`,
  'line one\nline two\n',
  '\r\n\t\u0001\u001b[31m',
  '\\',
  '\\\\n',
  '~ * ? [a-z] {a,b} !! # & | ; < > ( )',
  '-n',
  '--help',
  'é€😀 \u00a0\u2028 ‘quote’ “quote”',
  '@@API_BASE_URL@@',
  "$'\\x41'",
  '%s%n%d',
]

/** Messages stay ASCII: TAP reads U+2028 in a message as a line break and loses count. */
const show = (value: string) =>
  JSON.stringify(value).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )

t.test('every hostile string comes back from bash unchanged and runs nothing', async (t) => {
  for (const value of HOSTILE) {
    const quoted = shellQuote(value)
    const result = spawnSync(BASH, ['-c', `printf %s ${quoted}`], { encoding: 'utf8' })
    t.equal(result.status, 0, `bash accepts ${show(quoted)}`)
    t.equal(result.stdout, value, `${show(value)} round-trips through bash`)
  }
  t.notOk(existsSync(marker), 'no quoted value executed a command')
})

t.test('the quoted form is one single-quoted word', async (t) => {
  t.equal(shellQuote('abc'), "'abc'", 'a plain value is only wrapped')
  t.equal(shellQuote(''), "''", 'the empty string is an empty quoted word')
  t.equal(shellQuote("a'b"), "'a'\\''b'", "a quote closes, escapes and reopens: '\\''")
  for (const value of HOSTILE) {
    const quoted = shellQuote(value)
    t.ok(quoted.startsWith("'") && quoted.endsWith("'"), `${show(value)} is wrapped`)
  }
})

t.test('a NUL byte is refused, since no shell word can carry it', async (t) => {
  t.throws(() => shellQuote('a\0b'), TypeError, 'NUL in the middle throws')
  t.throws(() => shellQuote('\0'), TypeError, 'a lone NUL throws')
})
