// Runs one load job in a separate process (drive.ts) and reads its summary.
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import type { DriveJob, DriveResult } from './operations.js'

/** Runs the job; `onMeasuring` is called when the warm-up is over and the measured run starts. */
export async function drive(
  repoRoot: string,
  job: DriveJob,
  onMeasuring: () => void = () => {},
): Promise<DriveResult> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(repoRoot, 'scripts/bench/drive.ts')],
    { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] },
  )
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => {
    const before = out
    out += chunk.toString('utf8')
    if (!before.includes('measuring\n') && out.includes('measuring\n')) onMeasuring()
  })
  child.stdin.end(JSON.stringify(job))
  const code = await new Promise<number | null>((done) => child.once('exit', done))
  if (code !== 0) throw new Error(`load generator exited with ${code}`)
  return JSON.parse(out.trim().split('\n').pop() ?? '') as DriveResult
}
