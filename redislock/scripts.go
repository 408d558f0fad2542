package redislock

import "github.com/redis/go-redis/v9"

// The Lua scripts below are the only writes the Locker makes. Each runs
// atomically on the Redis node that owns the job's hash slot; KEYS[1] is
// the claim key and KEYS[2] the lease key of one (job, tick), which share
// that slot. A claim's value is the holder's token while the run lasts and
// "done:" followed by the token once it was released; tokens are hex, so
// the two never mix up.

// claimScript claims a tick.
//
//	ARGV[1] token, ARGV[2] retention in ms, ARGV[3] lease TTL in ms,
//	ARGV[4] "1" to take over an abandoned claim (WithAtLeastOnce).
//
// It returns 1 when the tick was free and is now ours, 2 when we took over
// a claim whose holder stopped renewing its lease before releasing it, and
// 0 when the tick belongs to someone else.
var claimScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
	redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
	return 1
end
if ARGV[4] == '1' and redis.call('EXISTS', KEYS[2]) == 0 then
	local v = redis.call('GET', KEYS[1])
	if v and string.sub(v, 1, 5) ~= 'done:' then
		redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
		redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
		return 2
	end
end
return 0
`)

// renewScript keeps a lease alive while the claim is still ours: it
// (re)writes the lease key with a fresh TTL, even when it had expired in
// between, since nobody took the claim over.
//
//	ARGV[1] token, ARGV[2] lease TTL in ms.
//
// It returns 1 when the claim is ours, 0 when it is not (any more).
var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
	return 1
end
return 0
`)

// releaseScript marks our claim done, keeping its TTL, and deletes the
// lease key. The claim itself stays until its retention ends.
//
//	ARGV[1] token.
//
// It returns 1 when the claim was ours, 0 when it was not (any more).
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	redis.call('SET', KEYS[1], 'done:' .. ARGV[1], 'KEEPTTL')
	redis.call('DEL', KEYS[2])
	return 1
end
return 0
`)
