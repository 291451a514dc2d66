/** One journaled request, as `GET /__admin/requests` lists it; secrets are already redacted. */
export interface JournalEntry {
  /** Per-instance sequence number: later requests have larger numbers. */
  seq: number
  request_id: string
  /** Server-clock time the request arrived, ISO 8601. */
  received_at: string
  /** Wall time from arrival to the last byte of the reply (real time, not the server clock). */
  duration_ms: number
  method: string
  path: string
  /** The URL as sent, secret query parameters blanked. */
  url: string
  operation_id: string | null
  /** The status sent, or null when the connection was dropped by a fault. */
  status: number | null
  /** `prefer` or the id of the armed fault that shaped this reply; null when none did. */
  fault: string | null
  request: JournalMessage
  response: JournalMessage
}

export interface JournalMessage {
  headers: Record<string, string | string[]>
  /** Parsed JSON, text, or null when there was no body. */
  body: unknown
  /** True when the body was longer than JOURNAL_BODY_MAX_BYTES and is cut (as text). */
  body_truncated: boolean
}

export interface JournalFilter {
  operation_id?: string
  status?: number
  request_id?: string
  method?: string
  limit?: number
}

/**
 * The recent requests of this instance, in memory, bounded: when full, the oldest entry goes.
 * A ring buffer keeps each append O(1) however large the bound is.
 */
export class Journal {
  readonly #capacity: number
  readonly #ring: (JournalEntry | undefined)[]
  #next = 0
  #size = 0
  #seq = 0
  #dropped = 0

  constructor(capacity: number) {
    this.#capacity = capacity
    this.#ring = new Array<JournalEntry | undefined>(capacity)
  }

  get capacity(): number {
    return this.#capacity
  }

  /** Entries pushed out by newer ones since the last clear. */
  get dropped(): number {
    return this.#dropped
  }

  get size(): number {
    return this.#size
  }

  nextSeq(): number {
    this.#seq += 1
    return this.#seq
  }

  add(entry: JournalEntry): void {
    if (this.#size === this.#capacity) this.#dropped += 1
    else this.#size += 1
    this.#ring[this.#next] = entry
    this.#next = (this.#next + 1) % this.#capacity
  }

  /** Matching entries, newest first. */
  list(filter: JournalFilter = {}): JournalEntry[] {
    const out: JournalEntry[] = []
    const limit = filter.limit ?? this.#capacity
    for (let i = 1; i <= this.#size && out.length < limit; i += 1) {
      const entry = this.#ring[(this.#next - i + this.#capacity) % this.#capacity]
      if (entry === undefined) continue
      if (filter.operation_id !== undefined && entry.operation_id !== filter.operation_id) continue
      if (filter.status !== undefined && entry.status !== filter.status) continue
      if (filter.request_id !== undefined && entry.request_id !== filter.request_id) continue
      if (filter.method !== undefined && entry.method !== filter.method.toUpperCase()) continue
      out.push(entry)
    }
    return out
  }

  /** Empties the journal; resolves to how many entries it held. */
  clear(): number {
    const held = this.#size
    this.#ring.fill(undefined)
    this.#next = 0
    this.#size = 0
    this.#dropped = 0
    return held
  }
}
