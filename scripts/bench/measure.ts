// Pieces shared by the two bench modes: one measurement of one operation on one target.
import { cpus, totalmem } from 'node:os'
import { drive } from './drive-client.js'
import {
  bootstrapTokenBody,
  operationRequest,
  type DriveResult,
  type OperationName,
} from './operations.js'
import type { Target } from './targets.js'

export interface LoadSettings {
  durationSeconds: number
  warmupSeconds: number
  connections: number
}

export interface OperationContext {
  bootstrapKey?: string
  taskSpecIntegration?: string
  /** Overrides the connection count of the load settings for this measurement. */
  connections?: number
}

export type Measure = (
  target: Target,
  operation: OperationName,
  context: OperationContext,
) => Promise<DriveResult>

export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  const memory = (totalmem() / 2 ** 30).toFixed(1)
  return `${cpus().length} × ${cpu}, ${memory} GiB RAM, Node ${process.version}, ${process.platform}`
}

export function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`)
}

/** A key to download, minted the way a user would, or null when the route does not exist. */
export async function mintBootstrapKey(target: Target): Promise<string | null> {
  const request = operationRequest('bootstrap-token', {})
  const response = await fetch(`${target.origin}${target.apiBase}${request.path}`, {
    method: 'POST',
    headers: request.headers,
    body: bootstrapTokenBody(),
  })
  if (response.status === 404) return null
  const body = (await response.json()) as { bootstrap_key?: string }
  if (!response.ok || typeof body.bootstrap_key !== 'string') {
    throw new Error(`${target.name}: bootstrap-token answered ${response.status}`)
  }
  return body.bootstrap_key
}

/** Drives one operation at one target, adding the target's CPU time per request. */
export async function measure(
  repoRoot: string,
  settings: LoadSettings,
  target: Target,
  operation: OperationName,
  context: OperationContext,
): Promise<DriveResult> {
  const request = operationRequest(operation, context)
  let cpuAtStart = NaN
  const result = await drive(
    repoRoot,
    {
      origin: target.origin,
      ...settings,
      connections: context.connections ?? settings.connections,
      request: { ...request, path: `${target.apiBase}${request.path}` },
    },
    () => {
      cpuAtStart = target.cpuSeconds()
    },
  )
  const cpu = target.cpuSeconds() - cpuAtStart
  if (Number.isFinite(cpu) && result.total > 0) {
    result.cpuMicrosPerRequest = (cpu * 1e6) / result.total
  }
  return result
}
