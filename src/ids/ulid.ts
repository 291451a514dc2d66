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
  return { next: (now) => ulid(now, random) }
}
