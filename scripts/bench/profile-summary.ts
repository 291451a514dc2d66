// Summarises a V8 .cpuprofile (from `node --cpu-prof`) as text: the functions with the most
// self time, and the time spent under each package or source file (inclusive), so a profile
// can be read and committed without a browser.
// Usage: node --import tsx scripts/bench/profile-summary.ts <file.cpuprofile> [top]
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const [file, topArg] = process.argv.slice(2)
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]')
const top = Number(topArg ?? 25)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const parent = new Map<number, number>()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

/** Where a frame comes from: a package name, a file of ours, or a V8/Node category. */
function origin(url: string): string {
  if (!url) return '(native/V8)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return pkg[1] as string
  if (url.startsWith('node:')) return url
  const ours = /\/(dist|src)\/(.+)$/.exec(url)
  return ours ? `${ours[1]}/${ours[2]}` : url
}

const self = new Map<string, number>()
const inclusive = new Map<string, number>()
let total = 0
let idle = 0
// Idle samples (the process waiting for work) are left out: percentages are of busy time.
profile.samples.forEach((id, i) => {
  const micros = profile.timeDeltas[i] ?? 0
  const node = byId.get(id)
  if (!node) return
  if (node.callFrame.functionName === '(idle)') {
    idle += micros
    return
  }
  total += micros
  const frame = node.callFrame
  const name = `${frame.functionName || '(anonymous)'} ${origin(frame.url)}:${frame.lineNumber + 1}`
  self.set(name, (self.get(name) ?? 0) + micros)
  const seen = new Set<string>()
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const where = origin(byId.get(at)?.callFrame.url ?? '')
    if (seen.has(where)) continue
    seen.add(where)
    inclusive.set(where, (inclusive.get(where) ?? 0) + micros)
  }
})

const percent = (micros: number) => `${((100 * micros) / total).toFixed(1).padStart(5)} %`
const lines = [
  `profile ${file}: ${(total / 1e6).toFixed(1)} s busy (${(idle / 1e6).toFixed(1)} s idle left out)`,
  '',
  'self time:',
]
for (const [name, micros] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  lines.push(`  ${percent(micros)}  ${name}`)
}
lines.push('', 'inclusive time by origin:')
for (const [name, micros] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  lines.push(`  ${percent(micros)}  ${name}`)
}
process.stdout.write(`${lines.join('\n')}\n`)
