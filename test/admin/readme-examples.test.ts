import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import t from 'tap'
import { buildTestApp } from '../fixtures/app.js'

const run = promisify(execFile)
const DOC = new URL('../../docs/readme/test-suite.md', import.meta.url)

interface Example {
  command: string
  /** The status the doc shows in the `# → NNN` line after the command, if any. */
  status: number | null
}

/** The curl commands of the doc's sh blocks, in order, each with the status it shows. */
function examples(markdown: string): Example[] {
  const found: Example[] = []
  for (const block of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    let current: string[] | null = null
    const flush = (status: number | null) => {
      if (current) found.push({ command: current.join('\n'), status })
      current = null
    }
    for (const line of (block[1] ?? '').split('\n')) {
      const shown = /^# → (\d{3})\b/.exec(line)
      if (shown) flush(Number(shown[1]))
      else if (line.startsWith('curl ')) {
        flush(null)
        current = [line]
      } else if (current && !line.startsWith('#') && line.trim() !== '') current.push(line)
    }
    flush(null)
  }
  return found
}

t.test('every curl example of the test-suite README section works as shown', async (t) => {
  const built = await buildTestApp(t)
  if (!built) return
  const address = await built.app.listen({ host: '127.0.0.1', port: 0 })
  const list = examples(readFileSync(DOC, 'utf8'))
  t.ok(list.length >= 20, `the doc has ${list.length} examples`)
  for (const { command, status } of list) {
    const local = command.replace(/localhost:4455(?=\/)/g, address.replace(/^http:\/\//, ''))
    const { stdout } = await run('bash', ['-c', `${local} -o /dev/null -w '%{http_code}'`], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      timeout: 30_000,
    })
    const name = command.split('\n')[0]?.slice(0, 90)
    if (status === null) {
      t.ok(Number(stdout) > 0 && Number(stdout) < 500, `${name}: answered ${stdout}`)
    } else {
      t.equal(Number(stdout), status, `${name}: answered ${status} as shown`)
    }
  }
})
