import { randomFillSync } from 'node:crypto'

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
/** Random bytes fetched per refill: one crypto call serves 256 ids. */
const POOL_BYTES = 4096
const RANDOM_CHARS = 16
const TIME_CHARS = 10

/**
 * A source of independent random ULIDs, for request ids. They are sent to every caller in
 * X-Request-Id, so they come from their own source rather than the monotonic generator that
 * mints keys: a monotonic ULID is its predecessor plus one within a millisecond, and a public
 * id must not reveal the next key. It is also cheaper: the ulid package asks crypto for one
 * byte per character, which showed as 3 % of a `GET /lan-agent/meta` profile (docs/bench/);
 * here one call fills a pool for 256 ids and the time part is encoded once per millisecond.
 * Each character takes the low 5 bits of a random byte; 256 is a multiple of 32, so every
 * character is uniform.
 */
export function randomUlidSource(): (now: number) => string {
  const pool = Buffer.alloc(POOL_BYTES)
  let offset = POOL_BYTES
  let encodedAt = Number.NaN
  let timePart = ''
  return (now) => {
    if (now !== encodedAt) {
      timePart = encodeTime(now)
      encodedAt = now
    }
    if (offset + RANDOM_CHARS > POOL_BYTES) {
      randomFillSync(pool)
      offset = 0
    }
    let id = timePart
    for (let i = 0; i < RANDOM_CHARS; i++) id += CROCKFORD[(pool[offset++] as number) & 31]
    return id
  }
}

/** The 48-bit millisecond timestamp as 10 Crockford characters, most significant first. */
function encodeTime(now: number): string {
  let rest = Math.max(0, Math.floor(now))
  let encoded = ''
  for (let i = 0; i < TIME_CHARS; i++) {
    encoded = CROCKFORD[rest % 32] + encoded
    rest = Math.floor(rest / 32)
  }
  return encoded
}
