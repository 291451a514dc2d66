-- Replaces a document only if it still holds the value the caller last read.
--
-- KEYS[1] the document  ARGV[1] '1' when the caller expects no document, else '0'
-- ARGV[2] the expected value (ignored when ARGV[1] = '1')  ARGV[3] the new value
--
-- Returns 1 when written, 0 when the document had changed.
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3])
return 1
