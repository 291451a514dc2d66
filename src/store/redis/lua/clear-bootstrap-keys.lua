-- Deletes the listed bootstrap keys and their index entries in one step, so a key is never
-- left half-indexed. The caller lists the ids it read from the index: a key minted since is
-- not listed, not touched, and keeps its entry. Every key is declared, as a cluster needs.
--
-- KEYS[1] the bootstrap index zset (member: key id)
-- KEYS[2..n] the bootstrap keys to delete (they share the index's hash tag: one cluster slot)
-- ARGV[1..n-1] their ids, in the order of KEYS[2..n]
--
-- Returns the number of bootstrap keys deleted (ids whose key had already expired count 0).
local deleted = 0
-- unpack() is limited to a few thousand values, so both lists go in slices.
for first = 2, #KEYS, 500 do
  deleted = deleted + redis.call('DEL', unpack(KEYS, first, math.min(first + 499, #KEYS)))
end
for first = 1, #ARGV, 500 do
  redis.call('ZREM', KEYS[1], unpack(ARGV, first, math.min(first + 499, #ARGV)))
end
return deleted
