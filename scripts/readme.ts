import { readFileSync } from 'node:fs'

/**
 * README.md is assembled from docs/readme/: the introduction, then one file per topic, each
 * owned beside the code it describes (some are generated, like errors.md). A test fails when
 * README.md differs from the assembly; `npm run docs:readme` rewrites it.
 */
export const README_PATH = new URL('../README.md', import.meta.url)

const SECTIONS = [
  'intro.md',
  'sdk-contract-tests.md',
  'test-suite.md',
  'pages.md',
  'failure-behaviour.md',
  'staging.md',
  'performance.md',
  'http-edges.md',
  'conformance.md',
  'errors.md',
]

const read = (name: string) =>
  readFileSync(new URL(`../docs/readme/${name}`, import.meta.url), 'utf8').trim()

export function assembleReadme(): string {
  const parts = SECTIONS.map(read)
  const contents = parts
    .slice(1)
    .map((part) => /^## (.+)$/m.exec(part)?.[1])
    .filter((title): title is string => title !== undefined)
    .map((title) => `- [${title}](#${anchor(title)})`)
  const [intro, ...rest] = parts
  const generated =
    '<!-- Assembled by `npm run docs:readme` from docs/readme/; edit those files. -->'
  return `${[generated, intro, `## More\n\n${contents.join('\n')}`, ...rest].join('\n\n')}\n`
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchor(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-')
}
