// Combines several `npm run bench -- --json <file>` results into one table of medians with the
// spread (min-max) of each figure, since one run on a shared machine is noise-prone.
// Usage: node --import tsx scripts/bench/spread.ts run1.json run2.json run3.json
import { readFileSync } from 'node:fs'
import type { Row } from './report.js'

interface Saved {
  machine: string
  rows: Row[]
  peaks: Record<string, number | null>
  jose: { sign: number; verify: number } | null
}

const files = process.argv.slice(2)
if (files.length === 0) throw new Error('usage: spread.ts <run.json>...')
const runs = files.map((file) => JSON.parse(readFileSync(file, 'utf8')) as Saved)

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}
const cell = (values: number[], digits: number) => {
  if (values.length === 0) return ''
  const fixed = (value: number) => value.toFixed(digits)
  const low = Math.min(...values)
  const high = Math.max(...values)
  return `${fixed(median(values))} (${fixed(low)}–${fixed(high)})`
}

const keys: string[] = []
for (const row of runs[0]?.rows ?? []) keys.push(`${row.operation}|${row.target}`)
const lines = [
  `${runs.length} runs; each cell: median (min–max). Machine: ${runs[0]?.machine ?? ''}`,
  '',
  '| operation | target | req/s | p99 ms | errors | × ceiling | × Prism | CPU µs/req |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
]
for (const key of keys) {
  const [operation, target] = key.split('|')
  const rows = runs
    .map((run) => run.rows.find((row) => row.operation === operation && row.target === target))
    .filter((row): row is Row => row?.result !== undefined)
  if (rows.length === 0) continue
  const pick = (get: (row: Row) => number | undefined) =>
    rows.map(get).filter((value): value is number => value !== undefined && Number.isFinite(value))
  const errors = pick((row) => row.result!.non2xx + row.result!.errors + row.result!.timeouts)
  lines.push(
    `| ${operation} | ${target} | ${cell(pick((row) => row.result!.requestsPerSecond), 0)} | ` +
      `${cell(pick((row) => row.result!.p99), 0)} | ${Math.max(...errors)} | ` +
      `${cell(pick((row) => row.vsCeiling), 2)} | ${cell(pick((row) => row.vsPrism), 1)} | ` +
      `${cell(pick((row) => row.result!.cpuMicrosPerRequest), 0)} |`,
  )
}
const peakNames = Object.keys(runs[0]?.peaks ?? {})
lines.push('')
lines.push(
  'Peak memory (VmHWM, MiB): ' +
    peakNames
      .map((name) => `${name} ${cell(runs.map((run) => run.peaks[name] ?? NaN).filter(Number.isFinite), 0)}`)
      .join(', '),
)
const jose = runs.map((run) => run.jose).filter((value) => value !== null)
if (jose.length > 0) {
  lines.push(
    `jose alone, 10 in flight: sign ${cell(jose.map((j) => j!.sign), 0)}/s, ` +
      `verify ${cell(jose.map((j) => j!.verify), 0)}/s`,
  )
}
process.stdout.write(`${lines.join('\n')}\n`)
