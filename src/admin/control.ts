import type { Clock } from '../clock.js'
import { ApiError } from '../errors/api-error.js'
import type { Journal } from './journal.js'
import type { SharedDocument } from './shared-document.js'

/** The shared clock offset, and the journal epoch whose change empties every journal. */
export interface Control {
  clock_offset_ms: number
  journal_epoch: number
}

export const INITIAL_CONTROL: Control = { clock_offset_ms: 0, journal_epoch: 0 }

export function isControl(value: unknown): boolean {
  const control = value as Partial<Control> | null
  return (
    Number.isSafeInteger(control?.clock_offset_ms) &&
    (control?.clock_offset_ms as number) >= 0 &&
    Number.isSafeInteger(control?.journal_epoch)
  )
}

/**
 * Applies an adopted control document to this instance: the clock takes the shared offset, and
 * a new journal epoch (a reset or a DELETE of the journal on any instance) empties the journal.
 */
export function controlAdopter(clock: Clock, journal: Journal) {
  let epoch: number | null = null
  return (control: Control): void => {
    clock.setOffset(control.clock_offset_ms)
    if (epoch !== null && control.journal_epoch !== epoch) journal.clear()
    epoch = control.journal_epoch
  }
}

/** Moves the shared clock forward, at most to `maxOffsetMs`; resolves to the new offset. */
export async function advanceClock(
  document: SharedDocument<Control>,
  ms: number,
  maxOffsetMs: number,
): Promise<number> {
  const next = await document.update((current) => {
    const offset = current.clock_offset_ms + ms
    if (offset > maxOffsetMs) {
      throw new ApiError(
        'invalid_request',
        `The clock may run at most ${maxOffsetMs} ms ahead of real time; reset to start over.`,
      )
    }
    return { ...current, clock_offset_ms: offset }
  })
  return next.clock_offset_ms
}

/** Empties the journal of every instance (each on its next sync; this one at once). */
export async function clearJournals(document: SharedDocument<Control>): Promise<void> {
  await document.update((current) => ({ ...current, journal_epoch: current.journal_epoch + 1 }))
}

/** Back to real time, and every journal emptied. */
export async function resetControl(document: SharedDocument<Control>): Promise<void> {
  await document.update((current) => ({
    clock_offset_ms: 0,
    journal_epoch: current.journal_epoch + 1,
  }))
}
