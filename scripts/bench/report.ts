// Formats results as a Markdown table, so the same text goes to the terminal and the README.
import type { DriveResult } from './operations.js'

export interface Row {
  operation: string
  target: string
  result?: DriveResult
  /** Why there is no result (a route the server does not have yet, no Redis, ...). */
  note?: string
  vsCeiling?: number
  vsPrism?: number
}

export function errorCount(result: DriveResult): number {
  return result.non2xx + result.errors + result.timeouts
}

const fixed = (value: number | undefined, digits: number) =>
  value === undefined || !Number.isFinite(value) ? '' : value.toFixed(digits)

function errorsCell(result: DriveResult): string {
  const count = errorCount(result)
  if (count === 0) return '0'
  const codes = Object.entries(result.statusCodes)
    .filter(([kind]) => kind !== '2xx')
    .map(([kind, n]) => `${n} ${kind}`)
  if (result.errors > 0) codes.push(`${result.errors} socket`)
  if (result.timeouts > 0) codes.push(`${result.timeouts} timeout`)
  return `${count} (${codes.join(', ')})`
}

export function table(rows: Row[]): string {
  const header =
    '| operation | target | req/s | p50 ms | p99 ms | errors | × ceiling | × Prism | CPU µs/req |\n' +
    '| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |'
  const lines = rows.map((row) => {
    if (!row.result) return `| ${row.operation} | ${row.target} | ${row.note ?? ''} | | | | | | |`
    const r = row.result
    return (
      `| ${row.operation} | ${row.target} | ${Math.round(r.requestsPerSecond)} | ${r.p50} | ` +
      `${r.p99} | ${errorsCell(r)} | ${fixed(row.vsCeiling, 2)} | ${fixed(row.vsPrism, 1)} | ` +
      `${fixed(r.cpuMicrosPerRequest, 0)} |`
    )
  })
  return [header, ...lines].join('\n')
}

export function ratio(a: DriveResult | undefined, b: DriveResult | undefined): number | undefined {
  if (!a || !b || b.requestsPerSecond === 0) return undefined
  return a.requestsPerSecond / b.requestsPerSecond
}
