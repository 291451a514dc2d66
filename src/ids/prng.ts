import { createHash } from 'node:crypto'

/**
 * A seeded pseudo-random generator for deterministic mode: sfc32 (Chris Doty-Humphrey's small
 * fast counter), whose 128-bit state is taken from SHA-256 of the seed string. Not for secrets:
 * it only makes generated ids repeat from one run to the next.
 */
export function seededRandom(seed: string): () => number {
  const digest = createHash('sha256').update(seed, 'utf8').digest()
  let a = digest.readUInt32LE(0)
  let b = digest.readUInt32LE(4)
  let c = digest.readUInt32LE(8)
  let d = digest.readUInt32LE(12)
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4_294_967_296
  }
  // The first outputs of sfc32 still carry the raw seed; the reference mixes 12 rounds away.
  for (let i = 0; i < 12; i += 1) next()
  return next
}
