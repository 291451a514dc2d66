import { randomFillSync } from 'node:crypto'
import { ulid } from 'ulid'

/**
 * Canonical ULIDs: 26 Crockford base32 characters whose first character is 0-7 (anything larger
 * overflows the 48-bit timestamp). Input is trimmed and upper-cased; the ambiguous letters
 * I, L, O and U are refused rather than mapped, so one id has exactly one spelling in storage.
 */
const CANONICAL_ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/

export function canonicalUlid(input: unknown): string | null {
  if (typeof input !== 'string') return null
  const candidate = input.trim().toUpperCase()
  return CANONICAL_ULID.test(candidate) ? candidate : null
}

export function isCanonicalUlid(input: string): boolean {
  return CANONICAL_ULID.test(input)
}

/** Makes ULIDs for keys and request ids; the timestamp part follows the server clock. */
export interface IdGenerator {
  next(now: number): string
}

/**
 * A generator backed by the ulid library; `random` makes the ids reproducible when seeded.
 * Every id gets 80 fresh random bits. A monotonic factory would not do: when the clock goes
 * back (a reset after moving it forward) it counts up from the last id, so anyone who saw one
 * id (a request id) could guess the next bootstrap key.
 */
export function createIdGenerator(random?: () => number): IdGenerator {
  const source = random ?? pooledRandom()
  return { next: (now) => ulid(now, source) }
}

/** Random bytes fetched per refill: one crypto call serves 256 ids of 16 random characters. */
const POOL_BYTES = 4096

/**
 * Cryptographic randomness in the form the ulid package asks for (a number in [0, 1) per
 * character), drawn from a pool. The package's own source makes one crypto call per character,
 * 16 per id: 5 % of a bootstrap.sh profile (docs/bench/). A byte / 256 gives each of the 32
 * characters exactly 8 of the 256 byte values, so the characters stay uniform.
 */
function pooledRandom(): () => number {
  const pool = Buffer.alloc(POOL_BYTES)
  let offset = POOL_BYTES
  return () => {
    if (offset === POOL_BYTES) {
      randomFillSync(pool)
      offset = 0
    }
    return (pool[offset++] as number) / 256
  }
}
