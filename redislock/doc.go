// Package redislock is a [periodic.Locker] backed by Redis, for running the
// same scheduler on several replicas of a service while each tick of each
// job runs on exactly one of them.
//
//	client := redis.NewClient(&redis.Options{Addr: "redis:6379"})
//	locker, err := redislock.New(client)
//	if err != nil { ... }
//	s := periodic.New(periodic.WithLocker(locker))
//	job, err := periodic.Schedule(s, periodic.Every(time.Minute), report,
//		periodic.WithName("report"))
//
// Every replica schedules the same jobs, under the same names. With a
// locker, the ticks of [periodic.Every] are multiples of the interval since
// the Unix epoch, so replicas agree on them whenever each of them started.
// At each tick every replica calls [Locker.Claim] with the job's name and
// the tick; one wins and runs the job, the others' runs fail at once with an
// error wrapping [periodic.ErrClaimed] and do not call the job.
//
// # Guarantees
//
// A claim names an instant, not "the job is running": the tick is the same
// on every replica however far their clocks differ, and the first claim of
// a (job, tick) in Redis wins, atomically. A second claim loses for as long
// as the claim is kept, the retention period (see [WithRetention], 24 hours
// by default), even long after the first run finished. Claims are never
// deleted when a run ends: deleting them would let a replica whose clock is
// a little behind run the same tick again.
//
// So each tick runs at most once, provided that
//
//   - the retention exceeds the largest clock skew between replicas plus
//     the longest time a replica may run a tick late (at least the longest
//     interval of any job, and the whole catch-up span of jobs that use
//     periodic.MisfireCatchUp);
//   - Redis keeps its data: a Redis that restarts without persistence, fails
//     over to a replica that had not received the claim yet, or evicts keys
//     (use a noeviction or volatile-* policy) forgets claims, and a replica
//     claiming a forgotten tick afterwards runs it again.
//
// When Redis cannot be reached, Claim returns that error, which is not
// ErrClaimed, and the run fails with it without calling the job: a tick
// that no replica could claim is lost rather than run twice. Ticking
// resumes when Redis is back.
//
// # Keys
//
// For a job "report" and a tick t, with the default namespace:
//
//	periodic:{report}:tick:<t in Unix nanoseconds>   the claim
//	periodic:{report}:lease:<t in Unix nanoseconds>  the lease
//
// The claim holds the winner's random token while the run lasts and
// "done:<token>" once the run has ended; it expires after the retention
// period. The lease holds the same token and expires a lease TTL (see
// [WithLeaseTTL], 30 s by default) after the winner stopped renewing it;
// Release deletes it. [Locker.ClaimKey] and [Locker.LeaseKey] return the
// keys, and [WithNamespace] changes the prefix.
//
// Every write is one Lua script, atomic on the node that owns the keys. The
// braces are a Redis Cluster hash tag: all keys of one job live in the same
// slot, so the scripts work on a cluster too ([redis.ClusterClient]), and
// different jobs spread over the slots. Redis 6.0 or later is required.
//
// # Leases
//
// While a run lasts, the winner's [Lease] renews the lease key every renew
// interval ([WithRenewInterval], a third of the lease TTL by default) from
// a goroutine that the Lease owns; the scheduler's call to [Lease.Release]
// stops and joins it, marks the claim done and deletes the lease key. A
// lease key that exists means "running, holder alive"; a claim that is not
// done and has no lease key means its holder died mid-run (or lost Redis
// for longer than the lease TTL). Renewal is paced by the clock given with
// [WithClock]; expiry is Redis' own, in real time.
//
// # When a replica dies mid-run
//
// By default a tick whose replica died mid-run is not run again: the claim
// stays for the retention period and every later Claim of the tick loses.
// That is the at-most-once model, the right one for jobs that must not run
// twice (sending mail, charging cards).
//
// [WithAtLeastOnce] trades that for at least once: a Claim that finds the
// tick claimed but its lease expired, and the claim not done, takes the
// claim over with a new token and runs the tick. Only replicas that claim
// the tick after the lease expired can take it over: a replica that is
// behind in time, one that catches up missed ticks, or code that calls
// Claim itself. A holder cut off from Redis for longer than the lease TTL
// looks dead too, so a tick may then run twice; the first holder learns it
// from [Lease.Lost] and from Release, which returns [ErrLeaseLost].
//
// # Testing
//
// The package's tests need a Redis server; run them through the
// repository's scripts/with-redis.sh, which starts a private redis-server
// and sets REDIS_ADDR. Without REDIS_ADDR they are skipped, unless CI=true,
// where they fail.
package redislock
