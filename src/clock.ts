/**
 * The server's notion of now. Every expiry (bootstrap keys, tasks, JWTs) is judged by it, so a
 * test suite can move time forward instead of sleeping. Only the admin surface moves it: forward
 * by any amount, and back to zero offset on a reset (which also drops every task and bootstrap
 * key, so nothing stored under the later time survives). Redis TTLs run on real time, and a
 * clock ahead of real time only makes things expire earlier than Redis would drop them.
 */
export class Clock {
  #offsetMs = 0
  readonly #frozenAt: number | undefined

  /** With `frozenAt`, time stands still at that instant and moves only by the offset. */
  constructor(frozenAt?: number) {
    if (frozenAt !== undefined && !Number.isSafeInteger(frozenAt)) {
      throw new RangeError('a frozen clock needs an integer instant in milliseconds')
    }
    this.#frozenAt = frozenAt
  }

  get frozen(): boolean {
    return this.#frozenAt !== undefined
  }

  now(): number {
    return (this.#frozenAt ?? Date.now()) + this.#offsetMs
  }

  get offsetMs(): number {
    return this.#offsetMs
  }

  /** Adopts an offset decided elsewhere (another instance, through the store). */
  setOffset(offsetMs: number): void {
    if (!Number.isSafeInteger(offsetMs) || offsetMs < 0) {
      throw new RangeError('clock offset must be a non-negative integer of milliseconds')
    }
    this.#offsetMs = offsetMs
  }

  advance(ms: number): void {
    this.setOffset(this.#offsetMs + ms)
  }
}

/** The clock a configuration asks for: real time, or frozen at CLOCK_FROZEN_AT. */
export function clockFromConfig(config: { CLOCK_FROZEN_AT?: string | undefined }): Clock {
  const frozenAt = config.CLOCK_FROZEN_AT
  return new Clock(frozenAt === undefined ? undefined : Date.parse(frozenAt))
}
