// Runs one load job in a separate process (drive.ts) and reads its summary.
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import type { DriveJob, DriveResult } from './operations.js'

export async function drive(repoRoot: string, job: DriveJob): Promise<DriveResult> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(repoRoot, 'scripts/bench/drive.ts')],
    { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] },
  )
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8')
  })
  child.stdin.end(JSON.stringify(job))
  const code = await new Promise<number | null>((done) => child.once('exit', done))
  if (code !== 0) throw new Error(`load generator exited with ${code}`)
  return JSON.parse(out.trim().split('\n').pop() ?? '') as DriveResult
}
