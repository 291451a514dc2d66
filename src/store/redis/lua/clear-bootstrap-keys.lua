-- Deletes every bootstrap key and their index in one step, so a key minted concurrently is
-- either deleted with its index entry or kept with it, never left half-indexed.
--
-- KEYS[1] the bootstrap index zset (member: key id)
-- ARGV[1] the Redis key of a bootstrap key without its id (prefix .. '{bootstrap}:key:'); those
--         keys share the index's hash tag, so they live in the same cluster slot as KEYS[1]
--
-- Returns the number of bootstrap keys deleted.
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local deleted = 0
for first = 1, #ids, 500 do
  local batch = {}
  for i = first, math.min(first + 499, #ids) do
    batch[#batch + 1] = ARGV[1] .. ids[i]
  end
  deleted = deleted + redis.call('DEL', unpack(batch))
end
redis.call('DEL', KEYS[1])
return deleted
