-- Reads and deletes a bootstrap key in one step, and drops it from the index.
--
-- KEYS[1] the key's record  KEYS[2] the index zset  ARGV[1] the key id
--
-- Returns the record JSON, or false when there was none.
local record = redis.call('GET', KEYS[1])
if record then
  redis.call('DEL', KEYS[1])
end
redis.call('ZREM', KEYS[2], ARGV[1])
return record
