import { ApiError } from '../errors/api-error.js'
import { naturalCode } from './fault-replies.js'
import type { OperationRegistry } from './operations.js'
import type { SharedDocument } from './shared-document.js'

/** One armed fault as stored (and as `GET /__admin/faults` lists it). */
export interface ArmedFault {
  id: string
  operation_id: string
  /** A non-2xx documented status to answer with, or null to let the operation answer. */
  status: number | null
  latency_ms: number
  drop_connection: boolean
  /** Calls left before the fault disarms itself; null means until cleared. */
  remaining: number | null
  armed_at: string
}

export interface FaultList {
  faults: ArmedFault[]
}

export interface FaultInput {
  operation_id: string
  status?: number
  latency_ms?: number
  drop_connection?: boolean
  count?: number
}

/** More armed faults than this is a suite that never clears them. */
export const MAX_ARMED_FAULTS = 1000

export function isFaultList(value: unknown): boolean {
  return Array.isArray((value as FaultList | null)?.faults)
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300
}

/**
 * Armed faults, shared through the store. Faults of one operation apply in the order they were
 * armed: a suite can queue "503 once, then 429 twice, then normal". A counted fault is taken
 * from the store with compare-and-set, so with several instances exactly `count` calls get it;
 * a fault without a count is read from this instance's copy and costs no store round trip.
 */
export class FaultBook {
  readonly #document: SharedDocument<FaultList>
  readonly #operations: OperationRegistry

  constructor(document: SharedDocument<FaultList>, operations: OperationRegistry) {
    this.#document = document
    this.#operations = operations
  }

  list(): ArmedFault[] {
    return this.#document.value.faults
  }

  /** Validates a fault against the operation's documented statuses and arms it. */
  async arm(input: FaultInput, id: string, now: number): Promise<ArmedFault> {
    const operation = this.#operations.get(input.operation_id)
    if (!operation) {
      throw new ApiError(
        'invalid_request',
        `Unknown operation_id ${JSON.stringify(input.operation_id)}; known: ` +
          `${this.#operations.ids().join(', ')}.`,
      )
    }
    let status: number | null = null
    if (input.status !== undefined) {
      if (!operation.statuses.includes(input.status)) {
        throw new ApiError(
          'invalid_request',
          `${input.operation_id} does not document status ${input.status}; ` +
            `documented: ${operation.statuses.join(', ')}.`,
        )
      }
      if (!isSuccess(input.status)) {
        if (naturalCode(operation, input.status) === undefined) {
          throw new ApiError('invalid_request', `No error code exists for ${input.status}.`)
        }
        status = input.status
      }
    }
    const drop = input.drop_connection === true
    const latency = input.latency_ms ?? 0
    if (drop && status !== null) {
      throw new ApiError(
        'invalid_request',
        'A fault either drops the connection or answers a status.',
      )
    }
    if (!drop && status === null && latency === 0) {
      throw new ApiError(
        'invalid_request',
        'A fault needs a non-2xx status, latency_ms above 0 or drop_connection.',
      )
    }
    const fault: ArmedFault = {
      id,
      operation_id: input.operation_id,
      status,
      latency_ms: latency,
      drop_connection: drop,
      remaining: input.count ?? null,
      armed_at: new Date(now).toISOString(),
    }
    await this.#document.update((current) => {
      if (current.faults.length >= MAX_ARMED_FAULTS) {
        throw new ApiError('invalid_request', `At most ${MAX_ARMED_FAULTS} faults may be armed.`)
      }
      return { faults: [...current.faults, fault] }
    })
    return fault
  }

  /** Disarms every fault, or those of one operation; resolves to how many were disarmed. */
  async clear(operationId?: string): Promise<number> {
    let cleared = 0
    await this.#document.update((current) => {
      const kept = current.faults.filter(
        (fault) => operationId !== undefined && fault.operation_id !== operationId,
      )
      cleared = current.faults.length - kept.length
      return cleared === 0 ? null : { faults: kept }
    })
    return cleared
  }

  /** Whether this instance knows of a fault for the operation (no store round trip). */
  armedFor(operationId: string): boolean {
    return this.#document.value.faults.some((fault) => fault.operation_id === operationId)
  }

  /** The fault this call of `operationId` gets, if any, using up one of its calls. */
  async take(operationId: string): Promise<ArmedFault | null> {
    const cached = this.#document.value.faults.find((f) => f.operation_id === operationId)
    if (!cached) return null
    if (cached.remaining === null) return cached
    let taken: ArmedFault | null = null
    await this.#document.update((current) => {
      const index = current.faults.findIndex((f) => f.operation_id === operationId)
      const fault = current.faults[index]
      taken = fault ?? null
      if (fault === undefined || fault.remaining === null) return null
      const faults = [...current.faults]
      if (fault.remaining <= 1) faults.splice(index, 1)
      else faults[index] = { ...fault, remaining: fault.remaining - 1 }
      return { faults }
    })
    return taken
  }
}
