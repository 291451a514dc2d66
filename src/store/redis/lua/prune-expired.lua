-- Shared prologue of the queue scripts (prepended to them when they are registered): drops the
-- tasks whose expiry has passed, so no queue operation ever sees or counts an expired task.
--
-- KEYS[1] order zset  KEYS[2] expiry zset  KEYS[3] tasks hash  ARGV[1] now (ms)
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
for _, id in ipairs(expired) do
  redis.call('HDEL', KEYS[3], id)
  redis.call('ZREM', KEYS[1], id)
end
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
end
