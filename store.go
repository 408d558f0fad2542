package periodic

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"
)

// Store keeps the shared, durable state of named jobs, so that the
// replicas of a service agree on it and a restarted replica resumes where
// the cluster left off. It is the driver interface behind WithStore, as
// database/sql/driver is behind database/sql: users pass a Store from a
// backend module (periodictest.Store in memory, redisstore on Redis,
// pgstore on PostgreSQL) and never call it themselves. Every backend
// passes the conformance suite in periodictest/storetest.
//
// A job's state is O(1) in the number of its runs:
//
//   - a fencing high-water mark, the job's last claimed tick: a Claim of
//     tick t succeeds only if t is after the mark, and moves the mark to
//     t in the same atomic step. So each tick runs at most once however
//     far the replicas' clocks differ, with no retention window;
//   - one lease, the run in flight of the latest won claim (holder, token,
//     expiry), renewed while the run lasts, and a bounded list of ticks
//     buffered behind it (the pending ticks of OverlapQueue and
//     OverlapBufferOne), which Release hands to the releasing replica,
//     or, when that replica shuts down, the next Claim of the job to its
//     claimer;
//   - the pause flag and its reason (a resume moves the mark to its
//     instant);
//   - counters and a bounded history of finished runs.
//
// Lease expiry is computed from the times the replicas pass in (Claim.Now
// plus the TTL), not from the backend's clock, so every backend behaves
// alike and a mock clock decides expiry in tests. The TTL must therefore
// exceed the clock skew between replicas plus a renewal interval.
//
// Ticks that Backfill runs are claimed per range with ClaimRange, in
// records of their own that do not move the mark and take no lease: the
// cluster-wide overlap policy does not see them, so a backfilled tick may
// run while a scheduled run of the job is in flight on any replica, and
// a tick in a backfilled range that is also after the mark may run both
// ways.
//
// Every method must be safe for use by several goroutines, honour ctx and
// return the backend's own error (wrapped, naming the job) when it cannot
// decide. Each method is one atomic step on the backend. Bad input (an
// empty job name, a zero tick, a token that is empty) is an error wrapping
// ErrInvalid. The scheduler treats a Store as untrusted code: a panic is
// recovered and handled like a store error.
type Store interface {
	// Claim decides the claim c atomically; see ClaimStatus for what it
	// may grant.
	Claim(ctx context.Context, c Claim) (Grant, error)
	// Renew extends the lease of l's job to now+ttl if the lease still
	// holds l's token. It returns false, and no error, when the lease is
	// no longer l's: another replica replaced the run (OverlapReplace) or
	// took it over after it expired (at least once), or the run was never
	// the latest of an OverlapAllow job.
	Renew(ctx context.Context, l LeaseRef, now time.Time, ttl time.Duration) (bool, error)
	// Release ends the run of l: it adds rec to the job's history (kept to
	// the last keep records) and counters, and frees the lease if it
	// still holds l's token. If ticks are buffered behind the lease it
	// hands the oldest to the caller instead, as a new lease with the
	// token next (Grant.Status is Won, Grant.Tick the buffered tick); else
	// the Grant's status is Lost when the lease was no longer l's, and
	// Won with a zero tick otherwise. A next without a token (the caller
	// is shutting down) frees the lease and leaves the buffered ticks
	// pending: the next Claim of the job, from any replica, wins the
	// oldest of them (Grant.Tick) and its own tick joins the buffer
	// behind it, so that each runs once.
	Release(ctx context.Context, l LeaseRef, rec RunRecord, keep int, next Claim) (Grant, error)
	// ClaimRange claims the ticks of job from from to to, both included,
	// for a Backfill, in a record of its own that the mark ignores. A
	// claim of a range that overlaps a range already claimed fails with
	// an error wrapping ErrClaimed that names the holder. A backend keeps
	// at least the 100 ranges of each job that end last; an overlap with
	// an older range may go unnoticed.
	ClaimRange(ctx context.Context, job string, from, to time.Time, holder string) error
	// Load returns the job's state; a job the store has never seen has
	// the zero JobState.
	Load(ctx context.Context, job string) (JobState, error)
	// SetPause pauses (paused true) or resumes the job for every replica.
	// While paused, claims of new ticks are refused with StatusPaused and
	// do not move the mark. reason is kept until the next resume. at is
	// the caller's clock: the resume of a paused job moves the mark to at
	// when at is after it, so that no replica claims the ticks that
	// passed while the job was paused, and a replica that restarts after
	// the resume does not catch them up. A pause, and a resume of a job
	// that is not paused, ignore at; a resume with a zero at is an error
	// wrapping ErrInvalid.
	SetPause(ctx context.Context, job string, paused bool, reason string, at time.Time) error
}

// ClaimMode is how a claim treats a run of the job that is in flight on
// any replica: the cluster-wide form of the job's Overlap policy.
type ClaimMode uint8

const (
	// ClaimAllow wins whenever the tick is after the mark (OverlapAllow).
	ClaimAllow ClaimMode = iota
	// ClaimSkip consumes the tick as skipped (StatusSkipped) while a run
	// of the job holds a live lease (OverlapSkip).
	ClaimSkip
	// ClaimQueue buffers the tick behind a live lease (StatusQueued), up
	// to Claim.Buffer ticks, and skips it beyond (OverlapQueue and
	// OverlapBufferOne).
	ClaimQueue
	// ClaimReplace takes the lease from a live run, whose next renewal
	// then fails so that its replica cancels it, and drops the buffered
	// ticks as skipped (OverlapReplace).
	ClaimReplace
)

// Claim is a replica's request to run one tick of a job.
type Claim struct {
	Job      string        // the job's name; not empty
	Tick     time.Time     // the tick; not zero
	Holder   string        // the replica, for history and diagnosis
	Token    string        // unique to this claim; the lease's identity
	Now      time.Time     // the claimer's clock; the lease expires at Now+TTL
	TTL      time.Duration // the lease's life without renewal; positive
	Mode     ClaimMode     // the cluster-wide overlap policy
	Buffer   int           // for ClaimQueue, how many ticks may wait
	TakeOver bool          // at least once: rerun a run whose holder died
}

// ClaimStatus is the outcome of a claim.
type ClaimStatus uint8

const (
	// StatusLost: the tick is not after the mark; another replica (or
	// this one) claimed it. Not a failure.
	StatusLost ClaimStatus = iota
	// StatusWon: the caller holds the lease of Grant.Tick and runs it.
	StatusWon
	// StatusSkipped: the tick moved the mark but is skipped, because a
	// run is in flight (ClaimSkip) or the buffer is full (ClaimQueue).
	StatusSkipped
	// StatusQueued: the tick moved the mark and waits behind the run in
	// flight; the replica that releases that run will run it.
	StatusQueued
	// StatusPaused: the job is paused cluster-wide; the mark is unmoved.
	StatusPaused
)

// String returns the status's name.
func (c ClaimStatus) String() string {
	names := [...]string{"lost", "won", "skipped", "queued", "paused"}
	if int(c) < len(names) {
		return names[c]
	}
	return "ClaimStatus(?)"
}

// Grant is a Store's answer to a Claim or a Release.
type Grant struct {
	Status ClaimStatus
	// Tick is the tick the caller now holds when Status is StatusWon. It
	// is the claimed tick, except after a takeover (Claim.TakeOver: the
	// tick of the run whose holder died, while the claimed tick waits
	// behind it), when a replica that shut down left buffered ticks
	// (the oldest of them, while the claimed tick waits behind it), and
	// after a Release (a buffered tick).
	Tick     time.Time
	TakeOver bool     // Tick is a takeover of a run whose holder died
	Lease    LeaseRef // the lease held, when Status is StatusWon
}

// LeaseRef names a held lease: the job, the tick and the token.
type LeaseRef struct {
	Job   string
	Tick  time.Time
	Token string
}

// JobState is a job's shared state, as Store.Load returns it.
type JobState struct {
	Mark    time.Time // the last claimed tick; zero if none
	Paused  bool
	Reason  string      // why it was paused
	Lease   LeaseInfo   // the run in flight of the latest claim, if any
	Pending []time.Time // ticks buffered behind it, oldest first
	Counts  StoreCounts
	History []RunRecord // the latest finished runs, oldest first
}

// LeaseInfo is a lease as stored: zero Token when there is none.
type LeaseInfo struct {
	Tick    time.Time
	Token   string
	Holder  string
	Expires time.Time // on the holder's clock
}

// StoreCounts are a job's cluster-wide counters.
type StoreCounts struct {
	Runs      int // runs released
	Successes int // of them, without error
	Failures  int // of them, with an error: cancellations included, unlike Stats.Failures (see Stats.Cancellations)
	Skips     int // ticks skipped by the cluster-wide overlap policy
}

// ErrStore wraps the error of a Store (or a Locker) that could not decide:
// the backend is unreachable, timed out, or broke its contract. A run whose claim
// failed so does not call the job: a tick that no replica could claim is
// lost rather than run twice.
var ErrStore = errors.New("periodic: store error")

// ErrPaused is the error of the future of a tick refused because its job
// is paused cluster-wide (see Store.SetPause).
var ErrPaused = errors.New("periodic: job paused")

// WithStore makes the scheduler keep the state of its named jobs in st,
// shared with the other replicas that use the same store: each tick runs
// at most once in the cluster, overlap policies and pause hold across
// replicas, Describe shows the cluster's history, and a job scheduled on
// a restarted replica resumes from its last claimed tick under its
// Misfire policy and catch-up window; if the store cannot be reached at
// Start, that Load is tried once more, a renewal interval of WithLease
// later or at the job's first tick if sooner. With a store, Every(d) ticks fall
// on multiples of d since the Unix epoch, as with WithLocker. Unnamed
// jobs are not stored: name the jobs that replicas share. A nil st is an
// error from Schedule. WithStore and WithLocker exclude each other.
func WithStore(st Store) Option {
	return func(cfg *config) {
		if isNilStore(st) {
			cfg.fail("WithStore(nil)")
			return
		}
		cfg.store = st
	}
}

// isNilStore reports a nil store, typed nil pointers included.
func isNilStore(st Store) bool {
	if st == nil {
		return true
	}
	v := reflect.ValueOf(st)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// Check returns an error wrapping ErrInvalid, naming the bad field, when
// c cannot be claimed: an empty job name or token, a zero tick, a TTL
// that is not positive, a ClaimQueue buffer below one. Backends call it
// first.
func (c Claim) Check() error {
	switch {
	case c.Job == "":
		return fmt.Errorf("%w: Claim: empty job name", ErrInvalid)
	case c.Tick.IsZero():
		return fmt.Errorf("%w: Claim(%q): zero tick", ErrInvalid, c.Job)
	case c.Token == "":
		return fmt.Errorf("%w: Claim(%q): empty token", ErrInvalid, c.Job)
	case c.TTL <= 0:
		return fmt.Errorf("%w: Claim(%q): lease TTL %v is not positive", ErrInvalid, c.Job, c.TTL)
	case c.Mode > ClaimReplace:
		return fmt.Errorf("%w: Claim(%q): unknown mode %d", ErrInvalid, c.Job, c.Mode)
	case c.Mode == ClaimQueue && c.Buffer < 1:
		return fmt.Errorf("%w: Claim(%q): buffer %d is below one", ErrInvalid, c.Job, c.Buffer)
	}
	return nil
}

// Check returns an error wrapping ErrInvalid, naming the bad field, for
// a lease reference with an empty job name or token or a zero tick.
func (l LeaseRef) Check() error {
	switch {
	case l.Job == "":
		return fmt.Errorf("%w: lease: empty job name", ErrInvalid)
	case l.Token == "":
		return fmt.Errorf("%w: lease of %q: empty token", ErrInvalid, l.Job)
	case l.Tick.IsZero():
		return fmt.Errorf("%w: lease of %q: zero tick", ErrInvalid, l.Job)
	}
	return nil
}

// CheckPause returns an error wrapping ErrInvalid for the arguments of
// Store.SetPause that cannot be kept: an empty job name, a resume at a
// zero instant. op names the method in the message.
func CheckPause(op, job string, paused bool, at time.Time) error {
	if err := CheckJob(op, job); err != nil {
		return err
	}
	if !paused && at.IsZero() {
		return fmt.Errorf("%w: %s(%q): resume at a zero instant", ErrInvalid, op, job)
	}
	return nil
}

// CheckJob returns an error wrapping ErrInvalid for an empty job name;
// op names the method in the message.
func CheckJob(op, job string) error {
	if job == "" {
		return fmt.Errorf("%w: %s: empty job name", ErrInvalid, op)
	}
	return nil
}

// WithReplica names this replica in the store: the holder of its leases
// (JobState.Lease.Holder), of its Backfill ranges, and in the reason of a
// pause it makes. The records of the history (RunRecord) do not name the
// replica that ran them. The default is a random name.
func WithReplica(name string) Option {
	return func(cfg *config) {
		if name == "" {
			cfg.fail("WithReplica(%q): empty name", name)
			return
		}
		cfg.replica = name
	}
}

// WithLease sets the life of a run's lease in the store and how often the
// run's replica renews it; ttl must exceed renew plus the largest clock
// skew between replicas. The defaults are 30s and 10s. With atLeastOnce,
// a replica whose claim finds the latest run's lease expired (its holder
// died mid-run) runs that tick again before its own: at least once
// instead of at most once. A Release that fails is tried again up to 3
// times, renew/4 apart on the scheduler's clock, while the lease lives,
// so that one blip of the backend does not make a finished run's lease
// expire and, at least once, the run be run again.
func WithLease(ttl, renew time.Duration, atLeastOnce bool) Option {
	return func(cfg *config) {
		if ttl <= 0 || renew <= 0 || renew >= ttl {
			cfg.fail("WithLease(%v, %v): want 0 < renew < ttl", ttl, renew)
			return
		}
		cfg.leaseTTL, cfg.leaseRenew, cfg.atLeastOnce = ttl, renew, atLeastOnce
	}
}
