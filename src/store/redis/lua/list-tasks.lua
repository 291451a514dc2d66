-- Lists the live tasks of one integration's queue in queue order, dropping expired ones first.
--
-- KEYS[1] order zset  KEYS[2] expiry zset  KEYS[3] tasks hash (layout as in put-task.lua)
-- ARGV[1] now (ms)  ARGV[2] '1' to return the stored records too, '0' for ids only
--
-- Returns the ids; with ARGV[2] = '1', {ids, records} where records[i] belongs to ids[i].
-- prune-expired.lua runs first.

local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
if ARGV[2] ~= '1' or #ids == 0 then
  return ids
end
-- unpack() is limited to a few thousand values, so the records are fetched in slices.
local records = {}
for first = 1, #ids, 1000 do
  local slice = redis.call('HMGET', KEYS[3], unpack(ids, first, math.min(first + 999, #ids)))
  for _, record in ipairs(slice) do
    records[#records + 1] = record
  end
end
return {ids, records}
