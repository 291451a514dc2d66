/**
 * The server's notion of now. Every expiry (bootstrap keys, tasks, JWTs) is judged by it, so a
 * test suite can move time forward instead of sleeping. It only moves forward: Redis TTLs run
 * on real time, and a clock ahead of real time can only make things expire earlier than Redis
 * would drop them, never later.
 */
export class Clock {
  #offsetMs = 0

  now(): number {
    return Date.now() + this.#offsetMs
  }

  nowSeconds(): number {
    return Math.floor(this.now() / 1000)
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
