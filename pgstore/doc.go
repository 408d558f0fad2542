// Package pgstore is a [periodic.Store] backed by PostgreSQL through
// pgx v5, for running the same scheduler on several replicas of a
// service: each tick of a named job runs at most once in the cluster,
// overlap policies and pause hold across replicas, and a restarted
// replica resumes from the job's last claimed tick.
//
//	pool, err := pgxpool.New(ctx, "postgres://...")
//	store, err := pgstore.New(pool, "billing")
//	if err := store.Migrate(ctx); err != nil { ... }
//	s := periodic.New(periodic.WithStore(store))
//	job, err := periodic.Schedule(s, periodic.Every(time.Minute), report,
//		periodic.WithName("report"))
//
// Every replica schedules the same jobs under the same names, with the
// same namespace. The store passes the conformance suite of
// periodictest/storetest against a real PostgreSQL.
//
// # Tables
//
// Migrate creates three tables, keyed by (namespace, job):
//
//	periodic_jobs     one row per job: the mark (last claimed tick), the
//	                  lease (tick, token, holder, expiry), the buffered
//	                  ticks (bigint[]), the pause flag and reason, counters
//	periodic_history  the latest finished runs, at most WithHistory rows
//	                  per job (each release inserts one and deletes the
//	                  oldest)
//	periodic_ranges   one row per Backfill range, the 100 that end last
//
// So 1 + WithHistory rows per job (9 by default), whatever the number of
// its runs. Instants are Unix nanoseconds in bigint columns: timestamptz
// keeps microseconds, and the mark must compare ticks exactly.
//
// A claim is one statement: INSERT ... ON CONFLICT (ns, job) DO UPDATE SET
// ... WHERE NOT paused AND mark < tick. The row lock taken by ON CONFLICT
// serialises the claims of one job, PostgreSQL evaluates the WHERE and
// the SET on the latest version of the row, and a lost claim writes no
// new row version (it locks the row, and leaves no dead tuple). A
// release is one statement too (an UPDATE with the history insert and
// trim as data-modifying CTEs).
//
// # Guarantees
//
// At most once per tick: a claim of tick t wins only if t is after the
// job's mark, and moves it, in one statement. Clock skew between replicas
// cannot make a tick run twice, with no retention window. Skew can make
// ticks run nowhere: the replica whose clock is ahead claims first; when
// it stops, the others' claims of the ticks up to its last mark lose, so
// a failover of replicas loses up to the skew's worth of ticks (and a
// store error loses the tick it hit: a tick no replica could claim is
// lost, never run twice).
//
// A committed claim survives a crash of the server (the suite kills it in
// immediate mode mid-stream). With synchronous_commit off, or a failover
// to an asynchronous standby, the last claims before the crash can be
// lost and their ticks run again; use synchronous replication where that
// matters.
//
// Leases expire on the claimers' clocks (Claim.Now plus the lease TTL,
// see periodic.WithLease), not on the server's, so the TTL must exceed the
// clock skew plus one renewal interval. With at-least-once, a claim that
// finds the lease of the latest run expired runs that tick again first.
//
// # Cost
//
// A tick costs each replica one statement and the winner one more at
// release, plus one per renewal interval while the run lasts: R+1 round
// trips per tick for R replicas, and two committed writes (the winning
// claim and the release). See ARCHITECTURE.md for the measured figures.
//
// # Testing
//
// The package's tests need a server; run them through the repository's
// scripts/with-postgres.sh, which starts a private PostgreSQL and sets
// POSTGRES_DSN (and POSTGRES_PGCTL, POSTGRES_PGDATA, POSTGRES_PGLOG for
// the restart test). Without it they are skipped, unless CI=true, where
// they fail.
package pgstore
