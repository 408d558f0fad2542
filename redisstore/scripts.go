package redisstore

import "github.com/redis/go-redis/v9"

// The scripts keep a job's state in one hash, KEYS[1] =
// "<ns>:{<job>}", and its history in one list, "<ns>:{<job>}:h". Instants
// are Unix nanoseconds written as 20-digit zero-padded decimals, so that
// Lua compares them as strings, exactly: Lua's numbers are doubles and
// would round nanoseconds. The hash's fields:
//
//	mark          the last claimed tick
//	paused reason "1" while paused, and why
//	lt lk lh le   the lease: tick, token, holder, expiry (lk "" when free)
//	pend          the buffered ticks, each followed by ','
//	runs ok fail skips  the counters
//
// Each script is the Store method of the same name; see the contract in
// periodic.Store and its reference, periodictest.Store.

// claimScript: ARGV = tick, token, holder, now, expires, mode (0 allow,
// 1 skip, 2 queue, 3 replace), buffer, takeover ("1"). It returns
// {status, tick, takeover}: status 0 lost, 1 won, 2 skipped, 3 queued,
// 4 paused.
var claimScript = redis.NewScript(`
local h = KEYS[1]
local tick, token, holder, now, exp, mode, buf, take =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7]), ARGV[8]
local st = redis.call('HMGET', h, 'mark', 'paused', 'lk', 'le', 'lt', 'pend')
local mark, paused, lk, le, lt, pend = st[1], st[2], st[3], st[4], st[5], st[6] or ''
if paused == '1' then return {4} end
if mark and tick <= mark then return {0} end
redis.call('HSET', h, 'mark', tick)
local held = lk and lk ~= ''
if not held and pend ~= '' then
  local p = string.sub(pend, 1, 20)
  redis.call('HSET', h, 'lt', p, 'lk', token, 'lh', holder, 'le', exp, 'pend', string.sub(pend, 22) .. tick .. ',')
  return {1, p, 0}
end
local live = held and le > now
if held and not live and take == '1' then
  redis.call('HSET', h, 'lk', token, 'lh', holder, 'le', exp, 'pend', pend .. tick .. ',')
  return {1, lt, 1}
end
if live and mode == '1' then
  redis.call('HINCRBY', h, 'skips', 1)
  return {2}
end
if live and mode == '2' then
  if #pend / 21 >= buf then
    redis.call('HINCRBY', h, 'skips', 1)
    return {2}
  end
  redis.call('HSET', h, 'pend', pend .. tick .. ',')
  return {3}
end
if (not live or mode == '3') and pend ~= '' then
  redis.call('HINCRBY', h, 'skips', #pend / 21)
  redis.call('HSET', h, 'pend', '')
end
redis.call('HSET', h, 'lt', tick, 'lk', token, 'lh', holder, 'le', exp)
return {1, tick, 0}
`)

// pauseScript: ARGV = paused ("1" or ""), reason, at. A resume of a
// paused job moves the mark to at when at is after it. It returns
// nothing.
var pauseScript = redis.NewScript(`
local h = KEYS[1]
if ARGV[1] == '' and redis.call('HGET', h, 'paused') == '1' then
  local mark = redis.call('HGET', h, 'mark')
  if not mark or mark < ARGV[3] then redis.call('HSET', h, 'mark', ARGV[3]) end
end
redis.call('HSET', h, 'paused', ARGV[1], 'reason', ARGV[2])
return false
`)

// renewScript: ARGV = token, expires. It returns 1 when the lease was
// still the token's and is renewed, else 0.
var renewScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'lk') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'le', ARGV[2])
return 1
`)

// releaseScript: KEYS[2] is the history list. ARGV = token, record,
// keep, failed ("1"), next token, next holder, next expiry. It returns
// {0} when the lease was no longer the token's, {1, tick} when it hands
// the buffered tick over, {1} when it freed the lease.
var releaseScript = redis.NewScript(`
local h, hist = KEYS[1], KEYS[2]
local keep = tonumber(ARGV[3])
redis.call('HINCRBY', h, 'runs', 1)
if ARGV[4] == '1' then redis.call('HINCRBY', h, 'fail', 1) else redis.call('HINCRBY', h, 'ok', 1) end
if keep > 0 then
  redis.call('RPUSH', hist, ARGV[2])
  redis.call('LTRIM', hist, -keep, -1)
end
if redis.call('HGET', h, 'lk') ~= ARGV[1] then return {0} end
local pend = redis.call('HGET', h, 'pend') or ''
if pend ~= '' and ARGV[5] ~= '' then
  local p = string.sub(pend, 1, 20)
  redis.call('HSET', h, 'lt', p, 'lk', ARGV[5], 'lh', ARGV[6], 'le', ARGV[7], 'pend', string.sub(pend, 22))
  return {1, p}
end
redis.call('HSET', h, 'lk', '', 'lh', '', 'lt', '', 'le', '')
return {1}
`)

// rangeScript: KEYS[1] is the job's ranges, a sorted set of members
// "<from>|<to>|<holder>" scored by the end. ARGV = from, to, holder, end
// as a score, how many ranges to keep. It returns "" when the range
// overlaps none of the kept ranges and is claimed, else the member of the
// range it overlaps. It keeps the ranges that end last.
var rangeScript = redis.NewScript(`
local from, to = ARGV[1], ARGV[2]
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if from <= string.sub(m, 22, 41) and string.sub(m, 1, 20) <= to then return m end
end
redis.call('ZADD', KEYS[1], ARGV[4], from .. '|' .. to .. '|' .. ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[5]) - 1)
return ''
`)
