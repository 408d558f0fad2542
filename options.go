package periodic

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/benbjohnson/clock"
)

// Option configures a Scheduler; see New for the defaults.
type Option func(*config)

// config is a scheduler's configuration.
type config struct {
	clock   clock.Clock
	log     *slog.Logger
	loc     *time.Location
	maxRuns int
	locker  Locker
	rand    *rand.Rand
	hooks   []Hooks // WithHooks, in the order given; each set is recovered on its own
	grace   time.Duration
	err     error

	// store_*.go: the shared store (WithStore, WithReplica, WithLease).
	store       Store
	replica     string
	leaseTTL    time.Duration
	leaseRenew  time.Duration
	atLeastOnce bool
}

// fail records the first bad option.
func (c *config) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
	}
}

// WithClock makes the scheduler read time and arm timers through c. Tests
// pass a *clock.Mock (or a periodictest.Clock) and drive it with
// periodictest.Advance.
func WithClock(c clock.Clock) Option {
	return func(cfg *config) {
		if c == nil {
			cfg.fail("WithClock(nil)")
			return
		}
		cfg.clock = c
	}
}

// WithLogger makes the scheduler log to l: runs starting and finishing,
// skipped ticks and cancelled runs at Debug; failed runs, retried attempts
// and misfires at Warn; panics in jobs (with their stack) and in OnDone
// callbacks at Error. Each record has the attributes job and tick, and
// duration, attempt, missed and error where they apply. Records are
// stamped with the scheduler's clock and passed straight to l's Handler.
func WithLogger(l *slog.Logger) Option {
	return func(cfg *config) {
		if l == nil {
			cfg.fail("WithLogger(nil)")
			return
		}
		cfg.log = l
	}
}

// WithLocation sets the zone in which calendar triggers (Cron) see the
// times they are given.
func WithLocation(loc *time.Location) Option {
	return func(cfg *config) {
		if loc == nil {
			cfg.fail("WithLocation(nil)")
			return
		}
		cfg.loc = loc
	}
}

// WithMaxConcurrency caps the runs in flight across all jobs at n, RunNow
// included. A run that finds no free slot waits as a pending future, and
// waiting runs start in the order they came as slots free. Each job has at
// most one tick (or Backfill) run waiting: its later ticks meanwhile are
// skipped (their futures fail with ErrSkipped, OnRun sees them). RunNow
// runs are not ticks: each one waits its turn, however many of its job
// wait. Cancelling a waiting run settles it at once and frees its place.
func WithMaxConcurrency(n int) Option {
	return func(cfg *config) {
		if n < 1 {
			cfg.fail("WithMaxConcurrency(%d): the limit must be at least 1", n)
			return
		}
		cfg.maxRuns = n
	}
}

// WithLocker makes replicas coordinate through l so that each tick runs on
// one replica only. With a locker, Every(d) ticks fall on multiples of d
// since the Unix epoch (unless WithStartAt fixes the anchor), so that
// replicas started at different moments agree on them.
func WithLocker(l Locker) Option {
	return func(cfg *config) {
		if l == nil {
			cfg.fail("WithLocker(nil)")
			return
		}
		cfg.locker = l
	}
}

// WithRand sets the random source for jitter (WithJitter and retry
// jitter) and for the seeds of EveryRandom triggers, drawn at Schedule.
// Tests pass a seeded source to make jitter and random intervals
// repeatable.
func WithRand(r *rand.Rand) Option {
	return func(cfg *config) {
		if r == nil {
			cfg.fail("WithRand(nil)")
			return
		}
		cfg.rand = r
	}
}

// WithMisfireGrace sets how late the scheduler may release a tick before
// it counts as misfired and the job's Misfire policy applies: a tick
// released more than d after its time misfires. The default is one
// second; zero makes any lateness a misfire.
func WithMisfireGrace(d time.Duration) Option {
	return func(cfg *config) {
		if d < 0 {
			cfg.fail("WithMisfireGrace(%v): the grace must not be negative", d)
			return
		}
		cfg.grace = d
	}
}

// WithHooks registers functions the scheduler calls around runs. Given
// several times, it keeps every set: each event goes to the hooks in the
// order they were given, and each RunContext sees the context the one
// before returned, so a user's hooks and instrumentation (periodicotel,
// periodicprom) go together. Each set's hook is recovered on its own: one
// that panics (logged at Error) stops neither the run nor the other sets,
// and a RunContext that panics leaves the context the ones before it
// returned.
func WithHooks(h Hooks) Option {
	return func(cfg *config) { cfg.hooks = append(cfg.hooks, h) }
}
