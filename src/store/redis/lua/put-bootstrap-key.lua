-- Stores a bootstrap key and indexes it by expiry, dropping index entries that have expired.
--
-- KEYS[1] the key's record  KEYS[2] the index zset (key id scored by expiry, ms)
-- ARGV[1] record JSON  ARGV[2] TTL (ms)  ARGV[3] now (ms)  ARGV[4] expires at (ms)
-- ARGV[5] the key id
--
-- Returns 1. The index lives as long as its longest-lived key: its TTL only ever grows.
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
-- PTTL is -1 for an index without a TTL, which this then gives one.
if redis.call('PTTL', KEYS[2]) < ttl then
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return 1
