-- Stores a task in one integration's queue, or gives an existing task its new payload while it
-- keeps its place. Expired tasks are dropped first, so they never count against the bound.
--
-- KEYS[1] order zset:  task id, scored by arrival sequence (queue order)
-- KEYS[2] expiry zset: task id, scored by expiry (ms since epoch, server clock)
-- KEYS[3] tasks hash:  task id -> "<queuedAt>:<expiresAt>:<payload JSON>"
-- KEYS[4] sequence counter for KEYS[1]
-- ARGV[1] now (ms)  ARGV[2] task id  ARGV[3] payload JSON  ARGV[4] expires at (ms)
-- ARGV[5] maximum live tasks  ARGV[6] Redis TTL for all four keys (ms)
--
-- Returns {'stored', queuedAt, created (1 or 0)} or {'queue_full'}.
-- prune-expired.lua runs first: expired tasks never count against the bound.

local existing = redis.call('HGET', KEYS[3], ARGV[2])
local queued_at = ARGV[1]
local created = 0
if existing then
  queued_at = string.match(existing, '^(%d+):')
else
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[5]) then
    return {'queue_full'}
  end
  redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[4]), ARGV[2])
  created = 1
end
redis.call('HSET', KEYS[3], ARGV[2], queued_at .. ':' .. ARGV[4] .. ':' .. ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])

-- Every write carries the latest expiry of the queue, so stretching the keys' TTL to it keeps
-- the queue alive exactly as long as its newest task.
local ttl = tonumber(ARGV[6])
for i = 1, 4 do
  if redis.call('PTTL', KEYS[i]) < ttl then
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
end
return {'stored', queued_at, created}
