import { readFileSync } from 'node:fs'
import t from 'tap'

/**
 * Where each case of ../shared/cases/http-edges.md is tested. Cases 1-6, 17 and 18 (and the
 * kind of fault each names) live in this folder; the installer, token and storage cases are
 * covered by the tests named below. This test reads those files, so a pointer to a test that
 * was renamed or removed fails instead of pointing nowhere.
 */
const CASES: [number, string, string[]][] = [
  [1, 'test/edges/bodies-and-media-types.test.ts', [
    'case 1: no body, an empty JSON body, {} and null are one request on cli/token',
    'case 1: malformed JSON on every JSON route is 400 invalid_json',
  ]],
  [2, 'test/edges/bodies-and-media-types.test.ts', [
    'case 2: every spelling of application/json is JSON',
    'case 2: other media types are 415 naming application/json on every JSON route',
  ]],
  [3, 'test/edges/bodies-and-media-types.test.ts', [
    'case 3: a 2 MiB payload is 413 with the limit in the message',
    'case 3: every JSON route has a limit of its own, stated in its 413',
  ]],
  [4, 'test/edges/routing-and-envelope.test.ts', [
    'case 4: every known path answers 405 with Allow to every other method',
    'case 4: a trailing slash is the same operation on every route',
  ]],
  [5, 'test/edges/routing-and-envelope.test.ts', [
    'case 5: each error the framework makes is the envelope with a stable code',
  ]],
  [6, 'test/edges/auth-schemes.test.ts', [
    'case 6: the Bearer scheme in any case, with any spaces, on every operation',
  ]],
  [7, 'test/routes/bootstrap-script.test.ts', [
    'a live key gets the script, whatever Accept says',
  ]],
  [7, 'test/conformance/upstream.test.ts', [
    'bootstrap.sh answers 200 as text/x-shellscript with a string schema',
  ]],
  [8, 'test/installer/truncated-download.test.ts', [
    'no proper prefix runs a step of the install',
  ]],
  [9, 'test/installer/render.test.ts', [
    'the output starts with #! and holds no CR and no BOM',
    'a template saved with CRLF and a BOM renders the same bytes (case 9)',
  ]],
  [10, 'test/installer/piped-into-sh.test.ts', ['dash reading the script exits 1 and says to use bash']],
  [11, 'test/routes/bootstrap-script.test.ts', [
    'error bodies: a script for curl | bash, the envelope for JSON clients',
  ]],
  [12, 'test/installer/render.test.ts', ['hostile values stay inert in a dry run (case 12)']],
  [12, 'test/installer/end-to-end.test.ts', [
    'a hostile device id survives installer, config file and agent intact',
  ]],
  [13, 'test/jwks/tokens.test.ts', [
    'rotation: overlap, retirement, and a second instance verifies at once',
  ]],
  [14, 'test/jwks/tokens.test.ts', ['forged and misused tokens get 401, never 500']],
  [15, 'test/store/store.test.ts', [
    'redis: every key carries a TTL, and a bootstrap key keeps its expiry',
  ]],
  // Case 16 with a failing store; a stopped real Redis is the resilience work's to cover.
  [16, 'test/routes/bootstrap-token.test.ts', [
    'storage down: 503 with Retry-After, nothing half-done',
  ]],
  [16, 'test/edges/headers.test.ts', [
    'storage down: every operation that needs it answers 503 with Retry-After',
  ]],
  [17, 'test/edges/tenancy.test.ts', [
    'case 17: alice never reaches org B, whichever way she asks',
  ]],
  [18, 'test/edges/versions.test.ts', [
    'case 18: protocols below the minimum get 426 done right',
    'on a real socket, the 426 carries Upgrade and never Connection: upgrade',
  ]],
]

t.test('every case of http-edges.md points at tests that exist', async (t) => {
  for (const [kase, file, titles] of CASES) {
    const source = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')
    for (const title of titles) {
      t.ok(source.includes(title), `case ${kase}: ${file} holds "${title}"`)
    }
  }
  const covered = new Set(CASES.map(([kase]) => kase))
  for (let kase = 1; kase <= 18; kase++) t.ok(covered.has(kase), `case ${kase} has a test`)
})
