import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { ERROR_DOCS_PATH, renderErrorDocs } from '../../scripts/error-docs.js'
import { errorCatalogue } from '../../src/errors/catalogue.js'

/**
 * The catalogue is the whole list of codes: every code the source can put in an envelope is in
 * it, with the status it is sent with, and every entry is one the source can emit. (Codes seen
 * in replies are checked by the response validator of every test: test/fixtures/contract.ts.)
 */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url))
const CODE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/

/**
 * Places that pass a code through a variable instead of a literal, reviewed one by one, with
 * how the literals reaching them are found. A new indirect construction fails the test until
 * it is listed here.
 */
const INDIRECT: Record<string, { construction: string; literals: RegExp }> = {
  'auth/principal.ts new ApiError(code': {
    construction: 'the unauthorized(code, message) helper',
    literals: /unauthorized\(\s*'([^']+)'/g,
  },
  'admin/fault-replies.ts new ApiError(code': {
    construction: 'naturalCode(): the code a real reply of the forced status carries',
    literals: /(?:return|[?:])\s*'([a-z]+_[a-z_]+)'/g,
  },
  'http/framework-errors.ts error_code: code': {
    construction: 'the client error writer, codes typed ErrorCode',
    literals: /(?::|\?\?)\s*'([a-z_]+)'/g,
  },
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(dir, name))
}

function emittedCodes(): { codes: Map<string, string[]>; unreviewed: string[] } {
  const codes = new Map<string, string[]>()
  const unreviewed: string[] = []
  const note = (code: string, where: string) => codes.set(code, [...(codes.get(code) ?? []), where])
  for (const file of sourceFiles(SRC)) {
    const name = relative(SRC, file)
    if (name === 'errors/catalogue.ts' || name === 'errors/api-error.ts') continue
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(/new ApiError\(\s*(['"`])([^'"`]+)\1/g)) note(match[2]!, name)
    for (const match of text.matchAll(/error_code['"]?\s*:\s*(['"`])([^'"`]+)\1/g)) {
      note(match[2]!, name)
    }
    const indirect = [
      ...[...text.matchAll(/new ApiError\(\s*([A-Za-z_$][\w$]*)\s*,/g)]
        .map((m) => `${name} new ApiError(${m[1]}`),
      // `error.code` of an ApiError is typed by the catalogue; bare identifiers need review.
      ...[...text.matchAll(/error_code['"]?\s*:\s*([A-Za-z_$][\w$]*)\s*[,}\n]/g)]
        .map((m) => `${name} error_code: ${m[1]}`),
    ]
    for (const key of indirect) {
      const reviewed = INDIRECT[key]
      if (!reviewed) {
        unreviewed.push(key)
        continue
      }
      for (const match of text.matchAll(reviewed.literals)) note(match[1]!, `${name} (indirect)`)
    }
  }
  return { codes, unreviewed }
}

t.test('every code the source can emit is in the catalogue, and nothing else is', async (t) => {
  const { codes, unreviewed } = emittedCodes()
  t.same(unreviewed, [], 'every code passed through a variable is reviewed in INDIRECT')
  t.ok(codes.size >= 20, `the scan finds the codes (${codes.size})`)
  for (const [code, where] of codes) {
    t.ok(code in errorCatalogue, `${code} (${[...new Set(where)].join(', ')}) is catalogued`)
  }
  for (const code of Object.keys(errorCatalogue)) {
    t.ok(codes.has(code), `${code} is emitted somewhere in src`)
  }
})

t.test('catalogue entries are well formed', async (t) => {
  for (const [code, { status, meaning }] of Object.entries(errorCatalogue)) {
    t.match(code, CODE, `${code}: snake_case`)
    t.ok(status >= 400 && status <= 599, `${code}: an error status (${status})`)
    t.ok(meaning.length > 10 && /[.)]$/.test(meaning), `${code}: a meaning in a sentence`)
  }
})

t.test('the README error table is generated from the catalogue', async (t) => {
  t.equal(readFileSync(ERROR_DOCS_PATH, 'utf8'), renderErrorDocs(),
    'stale: run `npm run docs:errors` and commit docs/readme/errors.md')
  for (const code of Object.keys(errorCatalogue)) {
    t.ok(renderErrorDocs().includes(`| \`${code}\` |`), `${code} has a row`)
  }
})
