import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { createInstallerRenderer, renderInstaller } from '../../src/installer/render.js'
import { shellQuote } from '../../src/installer/quote.js'
import { childEnv, tempDir } from '../fixtures/installer/processes.js'
import { installerValues } from '../fixtures/installer/values.js'
import { BASH, needs, SHELLCHECK } from '../fixtures/installer/tools.js'

const TEMPLATE_URL = new URL('../../src/installer/template/bootstrap.sh.tpl', import.meta.url)
const template = readFileSync(TEMPLATE_URL, 'utf8')

function shellcheck(script: string) {
  return spawnSync(SHELLCHECK, ['-s', 'bash', '-'], { input: script, encoding: 'utf8' })
}

t.test('the output starts with #! and holds no CR and no BOM', async (t) => {
  const script = renderInstaller(installerValues())
  t.ok(script.startsWith('#!/usr/bin/env bash\n'), 'the first line is the bash shebang')
  t.notOk(script.includes('\r'), 'no carriage return')
  t.notOk(script.includes('\ufeff'), 'no U+FEFF')
  t.ok(script.trimEnd().endsWith('{ main "$@"; }'), 'main is called on the last line')
})

t.test('a template saved with CRLF and a BOM renders the same bytes (case 9)', async (t) => {
  const values = installerValues()
  const crlf = createInstallerRenderer(`\ufeff${template.replace(/\n/g, '\r\n')}`)
  const fromBuffer = createInstallerRenderer(
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(template.replace(/\n/g, '\r\n'))]),
  )
  const expected = renderInstaller(values)
  t.equal(crlf.render(values), expected, 'CRLF + BOM string template gives the LF output')
  t.equal(fromBuffer.render(values), expected, 'CRLF + BOM bytes give the LF output')
  t.ok(Buffer.from(crlf.render(values)).subarray(0, 2).equals(Buffer.from('#!')), 'bytes 0-1: #!')
})

t.test('the template itself fails fast when it is wrong', async (t) => {
  t.throws(
    () => createInstallerRenderer(template.replace('@@TASK_ID@@', '@@TASK_NAME@@')),
    /unknown placeholder @@TASK_NAME@@/,
    'an unknown placeholder throws at load time',
  )
  t.throws(
    () => createInstallerRenderer(template.replace('@@DEVICE_ID@@', "''")),
    /never uses @@DEVICE_ID@@/,
    'a placeholder the template forgets throws at load time',
  )
  t.throws(
    () => createInstallerRenderer(template.replace('@@ORG_ID@@', '@@ORG_ID@')),
    /malformed placeholder/,
    'a half-written placeholder throws at load time',
  )
  t.throws(
    () => createInstallerRenderer(template.replace('#!', '# ')),
    /must start with #!/,
    'a template without a shebang throws',
  )
  t.throws(
    () => createInstallerRenderer(template.replace('say()', '\ufeffsay()')),
    /U\+FEFF/,
    'a U+FEFF inside the template throws',
  )
})

t.test('values are substituted in one pass and quoted', async (t) => {
  const values = installerValues(undefined, {
    deviceId: '@@AGENT_TOKEN@@',
    taskId: '@@API_BASE_URL@@',
    integrationId: null,
    orgId: null,
  })
  const script = renderInstaller(values)
  t.match(script, "\n  readonly DEVICE_ID='@@AGENT_TOKEN@@'\n", 'a placeholder-like value is text')
  t.match(script, "\n  readonly TASK_ID='@@API_BASE_URL@@'\n", 'even the name of another value')
  t.equal(script.split(values.agentToken).length - 1, 1, 'the token appears exactly once')
  t.match(script, "\n  readonly INTEGRATION_ID=''\n", 'null renders as an empty word')
  t.match(script, "\n  readonly ORG_ID=''\n", 'null org renders as an empty word')
  t.match(script, "\n  readonly LAN_PROTOCOL_VERSION='2'\n", 'numbers are quoted too')
})

t.test('checksums become sorted SHA256SUMS lines in one quoted word', async (t) => {
  const a = 'A'.repeat(64)
  const b = 'b'.repeat(64)
  const script = renderInstaller(
    installerValues(undefined, { agentChecksums: { 'lan-agent-z': b, 'lan-agent-a': a } }),
  )
  const expected = shellQuote(`${'a'.repeat(64)}  lan-agent-a\n${b}  lan-agent-z`)
  t.match(script, `readonly AGENT_CHECKSUMS=${expected}\n`, 'sorted, lower case, quoted')

  const bad: Array<[Record<string, string>, RegExp, string]> = [
    [{}, /empty/, 'no checksum at all'],
    [{ 'lan-agent-a': 'abc' }, /not a SHA-256/, 'a short hash'],
    [{ 'lan agent': a }, /not a build file name/, 'a name with a space'],
    [{ '../x': a }, /not a build file name/, 'a name with a path'],
  ]
  for (const [agentChecksums, error, why] of bad) {
    t.throws(() => renderInstaller(installerValues(undefined, { agentChecksums })), error, why)
  }
})

t.test('values that cannot be embedded are refused', async (t) => {
  const bad: Array<[Parameters<typeof installerValues>[1], string]> = [
    [{ deviceId: 'a\nb' }, 'a newline (the config file is one value per line)'],
    [{ taskId: 'a\rb' }, 'a carriage return (the body must hold none)'],
    [{ deviceId: 'a\ufeffb' }, 'a U+FEFF'],
    [{ deviceId: 'a\0b' }, 'a NUL'],
    [{ deviceId: 'a\ud800b' }, 'a lone surrogate'],
    [{ taskId: '' }, 'an empty task id'],
    [{ agentToken: '' }, 'an empty token'],
    [{ agentVersion: '../1.0' }, 'a version that is a path'],
    [{ lanProtocolVersion: 1.5 }, 'a fractional protocol version'],
    [{ lanProtocolVersion: -1 }, 'a negative protocol version'],
  ]
  for (const [overrides, why] of bad) {
    t.throws(() => renderInstaller(installerValues(undefined, overrides)), TypeError, why)
  }
})

const HOSTILE_VALUES = (dir: string) =>
  installerValues(undefined, {
    taskId: `it's $(touch ${dir}/pwned-task) \`touch ${dir}/pwned-tick\``,
    deviceId: `"; touch ${dir}/pwned-device; '\\' \\ ‘q’ é😀 \${HOME}`,
    apiBaseUrl: `http://127.0.0.1:4455/api/v1?x=$(touch ${dir}/pwned-url)`,
  })

t.test('the rendered script passes shellcheck', needs(SHELLCHECK), async (t) => {
  t.ok(existsSync(SHELLCHECK), `${SHELLCHECK} is installed (required on CI)`)
  const plain = shellcheck(renderInstaller(installerValues()))
  t.equal(plain.status, 0, 'no findings for plain values', { stdout: plain.stdout })
  const hostile = shellcheck(renderInstaller(HOSTILE_VALUES('/tmp/x')))
  t.equal(hostile.status, 0, 'no findings for hostile values', { stdout: hostile.stdout })
  const tpl = spawnSync(SHELLCHECK, ['-s', 'bash', TEMPLATE_URL.pathname], { encoding: 'utf8' })
  t.equal(tpl.status, 0, 'the template file itself is clean', { stdout: tpl.stdout })
})

t.test('hostile values stay inert in a dry run (case 12)', async (t) => {
  const dir = tempDir(t, 'hostile')
  const values = HOSTILE_VALUES(dir)
  const home = join(dir, 'agent-home')
  const result = spawnSync(BASH, [], {
    input: renderInstaller(values),
    env: childEnv({ HOME: dir, LAN_AGENT_HOME: home, LAN_AGENT_DRY_RUN: '1' }),
    encoding: 'utf8',
  })
  t.equal(result.status, 0, 'the dry run succeeds', { stderr: result.stderr })
  for (const name of ['pwned-task', 'pwned-tick', 'pwned-device', 'pwned-url']) {
    t.notOk(existsSync(join(dir, name)), `${name} was not created`)
  }
  t.notOk(existsSync(home), 'the dry run created no install directory')
  t.match(result.stdout, `  task:         ${home}/bin/lan-agent run ${values.taskId}\n`,
    'the task id is printed literally')
  t.match(result.stdout, `  device:       ${values.deviceId}\n`, 'the device id is literal')
  t.match(result.stdout, `  api:          ${values.apiBaseUrl}\n`, 'the URL is printed literally')
  t.notOk(result.stdout.includes(values.agentToken), 'the plan does not print the token')
})
