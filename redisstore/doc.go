// Package redisstore is a [periodic.Store] backed by Redis (go-redis v9),
// for running the same scheduler on several replicas of a service: each
// tick of a named job runs at most once in the cluster, overlap policies
// and pause hold across replicas, and a restarted replica resumes from
// the job's last claimed tick.
//
//	client := redis.NewClient(&redis.Options{Addr: "redis:6379"})
//	store, err := redisstore.New(client, "billing")
//	if err != nil { ... }
//	s := periodic.New(periodic.WithStore(store))
//	job, err := periodic.Schedule(s, periodic.Every(time.Minute), report,
//		periodic.WithName("report"))
//
// Every replica schedules the same jobs under the same names, with the
// same namespace. The store passes the conformance suite of
// periodictest/storetest against a real redis-server.
//
// # Keys
//
// For a job "report" in the namespace "billing":
//
//	billing:{report}     a hash: the mark (last claimed tick), the lease
//	                     (tick, token, holder, expiry), the buffered ticks,
//	                     the pause flag and reason, the counters
//	billing:{report}:h   a list: the latest finished runs (WithHistory)
//	billing:{report}:r   a sorted set of the Backfill ranges, the 100 that end last
//
// Three keys per job at most, whatever the number of its runs: nothing expires and
// nothing needs to. Instants are Unix nanoseconds (written 20 digits wide
// so that the scripts compare them exactly as strings); ticks before 1970
// are refused. Every write is one Lua script, atomic on the node that owns
// the job's keys; the braces are a Redis Cluster hash tag, so a job's keys
// share a slot and a *redis.ClusterClient works. A namespace with a brace
// is refused: it would put every job in one slot. Redis 6.0 or later.
//
// # Guarantees
//
// At most once per tick: a claim of tick t wins only if t is after the
// job's mark, and moves the mark, in one script. Clock skew between
// replicas cannot make a tick run twice, with no retention window. Skew
// can make ticks run nowhere: the replica whose clock is ahead claims
// first and moves the mark; when it stops, the others' claims of the
// ticks up to its last mark lose, so a failover loses up to the skew's
// worth of ticks (and a store error loses the tick it hit: a tick that
// no replica could claim is lost, never run twice).
//
// At-most-once needs Redis to keep what it acknowledged. A Redis that
// restarts without persistence forgets the marks: the next claims win
// again, and a restarted replica that finds no mark starts afresh, so
// ticks since the lost mark may run twice across the restart. Use
// appendonly yes (appendfsync everysec loses up to a second of claims on a
// crash, always loses none), and a noeviction or volatile-* policy: the
// keys have no TTL, so volatile-* never evicts them. A failover to a
// replica that had not received the latest writes (Redis replication is
// asynchronous) rolls the marks back by that lag: the same risk, bounded
// by the replication lag; WAIT-based setups narrow it.
//
// Leases expire on the claimers' clocks (Claim.Now plus the lease TTL,
// see periodic.WithLease), not on Redis' clock, so the TTL must exceed the
// clock skew plus one renewal interval. With at-least-once, a claim that
// finds the lease of the latest run expired runs that tick again first;
// a holder cut off from Redis longer than the TTL looks dead, so its tick
// may then run twice.
//
// # Cost
//
// A tick costs each replica one script call (EVALSHA), and the winner
// one more at release, plus one per renewal interval while the run lasts:
// R+1 round trips per tick for R replicas. See ARCHITECTURE.md for the
// measured figures.
//
// # Testing
//
// The package's tests need a Redis server; run them through the
// repository's scripts/with-redis.sh, which starts a private redis-server
// and sets REDIS_ADDR and REDIS_SERVER_BIN. Without them they are skipped,
// unless CI=true, where they fail.
package redisstore
