import t from 'tap'
import { decodeTime } from 'ulid'
import { isCanonicalUlid } from '../../src/ids/ulid.js'
import { randomUlidSource } from '../../src/ids/random-ulid.js'

t.test('random ULIDs are canonical, carry the given time and do not repeat', async (t) => {
  const next = randomUlidSource()
  const now = Date.UTC(2026, 0, 2, 3, 4, 5, 678)
  // More ids than one pool refill serves, so a refill happens in the middle.
  const ids = Array.from({ length: 1000 }, () => next(now))
  t.ok(ids.every(isCanonicalUlid), 'every id is a canonical ULID')
  t.ok(ids.every((id) => decodeTime(id) === now), 'the time part is the given millisecond')
  t.equal(new Set(ids).size, ids.length, 'no id repeats')
  t.equal(decodeTime(next(0)), 0, 'the epoch encodes')
  t.equal(decodeTime(next(2 ** 48 - 1)), 2 ** 48 - 1, 'the largest ULID time encodes')
})

t.test('ids of one millisecond are independent, not a counter', async (t) => {
  const next = randomUlidSource()
  const now = Date.now()
  // A monotonic ULID differs from its predecessor only at the end; independent ones differ
  // at the first random character about 31 times in 32.
  const firstRandom = new Set(Array.from({ length: 200 }, () => next(now)[10]))
  t.ok(firstRandom.size > 16, `the first random character varies (${firstRandom.size} values)`)
})
