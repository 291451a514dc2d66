import { ApiError } from '../errors/api-error.js'
import type { Store } from '../store/types.js'

export interface SharedDocumentOptions<T> {
  store: Store
  /** The store document's name. */
  name: string
  /** Turns the stored text (null: no document yet) into a value; never throws. */
  parse: (raw: string | null) => T
  /** Called with every value this instance adopts: the store's, or its own write. */
  adopt: (value: T) => void
}

/**
 * Compare-and-set rounds one writer may lose before it gives up. Every round that fails means
 * another writer succeeded, so this only runs out under a pathological write storm.
 */
const MAX_ROUNDS = 100

/**
 * One piece of admin state (fixtures, faults, the clock) kept as a store document, so every
 * instance sharing the store sees the same state. Writes are read-modify-write rounds with
 * compare-and-set: two instances changing it at once both land, in some order. Each instance
 * holds the last value it adopted and re-reads the store periodically (see AdminSync).
 */
export class SharedDocument<T> {
  readonly #options: SharedDocumentOptions<T>
  #value: T
  /** Bumped on each adoption of our own write, so a read that started before it is dropped. */
  #localWrites = 0
  /** The stored text last adopted; `undefined` until the first read. */
  #lastRaw: string | null | undefined = undefined

  constructor(options: SharedDocumentOptions<T>) {
    this.#options = options
    this.#value = options.parse(null)
  }

  get value(): T {
    return this.#value
  }

  /** Re-reads the store and adopts what it holds. */
  async refresh(): Promise<void> {
    const writesBefore = this.#localWrites
    const raw = await this.#options.store.getDocument(this.#options.name)
    // A write of ours that landed while this read was in flight is newer than what we read.
    if (this.#localWrites !== writesBefore) return
    // Only a change is adopted: re-applying an unchanged document every period would, for
    // example, undo a test's own move of its in-process clock between two reads.
    if (raw === this.#lastRaw) return
    this.#lastRaw = raw
    this.#adopt(this.#options.parse(raw))
  }

  /**
   * Applies `change` to the current stored value and writes the result; `change` returns null
   * to leave the document as it is. It may run several times (once per lost round), so it must
   * not have effects beyond its return value other than idempotent ones.
   */
  async update(change: (current: T) => T | null | Promise<T | null>): Promise<T> {
    const { store, name, parse } = this.#options
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const raw = await store.getDocument(name)
      const current = parse(raw)
      const next = await change(current)
      if (next === null) {
        this.#localWrites += 1
        this.#lastRaw = raw
        this.#adopt(current)
        return current
      }
      const written = JSON.stringify(next)
      if (await store.compareAndSetDocument(name, raw, written)) {
        this.#localWrites += 1
        this.#lastRaw = written
        this.#adopt(next)
        return next
      }
      // Losing rounds back-to-back means a crowd of writers: spread them out a little.
      if (round >= 3) await new Promise((resolve) => setTimeout(resolve, Math.random() * 5))
    }
    throw new ApiError('storage_unavailable', 'Admin state kept changing; try again.', {
      headers: { 'retry-after': '1' },
    })
  }

  #adopt(value: T): void {
    this.#value = value
    this.#options.adopt(value)
  }
}

/** Parses a stored JSON document, or returns `fallback` for a missing or unreadable one. */
export function parseOr<T>(raw: string | null, fallback: T, check: (value: unknown) => boolean): T {
  if (raw === null) return fallback
  try {
    const value = JSON.parse(raw) as unknown
    return check(value) ? (value as T) : fallback
  } catch {
    return fallback
  }
}
