package periodic

import (
	"fmt"
	"slices"
	"time"
)

// JobOption configures a job; see Schedule.
type JobOption func(*jobConfig)

// jobConfig is a job's configuration. Jobs scheduled without options share
// one default configuration.
type jobConfig struct {
	name      string
	tags      []string
	immediate bool
	startAt   time.Time
	stopAt    time.Time
	limit     int
	timeout   time.Duration
	retry     *Retry
	jitter    time.Duration
	overlap   Overlap
	misfire   Misfire
	buffer    int
	window    time.Duration // WithCatchupWindow
	pauseFail bool          // WithPauseOnFailure
	fromEnd   bool          // WithIntervalFromCompletion
	history   int           // WithHistory
	err       error
}

// defaultJobConfig is shared by jobs scheduled without options.
var defaultJobConfig = jobConfig{buffer: defaultBuffer, history: defaultHistory}

// defaultBuffer bounds OverlapQueue unless WithBuffer says otherwise.
const defaultBuffer = 1000

// fail records the first bad option.
func (c *jobConfig) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
	}
}

// Overlap says what a job does when a tick comes while an earlier run of
// the same job is still in flight.
type Overlap int

const (
	// OverlapAllow starts the new run alongside the old ones: the seed
	// scenario's concurrency, and the default.
	OverlapAllow Overlap = iota
	// OverlapSkip skips the tick: its future fails with ErrSkipped.
	OverlapSkip
	// OverlapQueue runs the tick after the runs before it, in order. At
	// most WithBuffer ticks (default 1,000) wait; beyond that a tick is
	// skipped.
	OverlapQueue
	// OverlapReplace cancels the runs in flight and starts the new one as
	// soon as they have returned.
	OverlapReplace
	// OverlapBufferOne keeps at most one tick waiting for the run in
	// flight; ticks that come while one waits are skipped.
	OverlapBufferOne
)

// String returns the policy's name.
func (o Overlap) String() string {
	names := []string{"allow", "skip", "queue", "replace", "buffer-one"}
	if o < 0 || int(o) >= len(names) {
		return fmt.Sprintf("Overlap(%d)", int(o))
	}
	return names[o]
}

// Misfire says what a job does with ticks the scheduler released more than
// the misfire grace (WithMisfireGrace) late: after a suspended process, a
// forward clock jump, a stalled machine. Such ticks misfire; the first one
// released late counts all ticks as late as it by then, and reports them
// once, as one EventMisfire (OnMisfire hook, a Warn log record) whose
// Missed is their number and Stats.Misfires. Ticks within the grace run as
// usual under every policy. Setting the clock back never runs a tick
// twice: ticks only move forward.
//
// On a mock clock the counts are exact and the same on every run when the
// clock moves at once, as periodictest's Advance and Set move it: a plain
// clock.Mock Add moves time in steps, one timer at a time, and the
// scheduler may see the misfire at any of them, so what it counts as late
// depends on where it woke.
type Misfire int

const (
	// MisfireCoalesce runs once, for the latest tick due (TickFrom returns
	// it), instead of once per late tick: the default.
	MisfireCoalesce Misfire = iota
	// MisfireSkip runs none of the late ticks and resumes at the first
	// tick within the grace, usually the next one to come.
	MisfireSkip
	// MisfireCatchUp runs every late tick, oldest first, one release at a
	// time (under periodictest, each once the previous has started or
	// blocked), under the job's Overlap policy. Only the latest 1,000 late
	// ticks run; older ones are counted in Missed and Stats.Dropped, and
	// never run. A trigger that the scheduler walks to find them (Or, And,
	// Except, a user's) may find fewer within its budget of calls, when a
	// tick costs more than two calls (an And: a call per member asked):
	// those found run, the event's MissedAtLeast says so, and Dropped
	// counts the others. A user's trigger (or a combinator with one among
	// its members) has a smaller budget, 1,500 calls of its Next, since
	// the scheduler cannot tell what one costs: it finds about its last
	// 550 late ticks, and a misfire makes at most 1,739 calls of its Next
	// (a Next slower than about 5 µs blocks the dispatcher over 10 ms).
	MisfireCatchUp
	// MisfireCoalesceEarliest runs once for all late ticks, like
	// MisfireCoalesce, but for the earliest of them.
	MisfireCoalesceEarliest
)

// maxCatchUp bounds the late ticks MisfireCatchUp runs.
const maxCatchUp = 1000

// String returns the policy's name.
func (m Misfire) String() string {
	names := []string{"coalesce", "skip", "catch-up", "coalesce-earliest"}
	if m < 0 || int(m) >= len(names) {
		return fmt.Sprintf("Misfire(%d)", int(m))
	}
	return names[m]
}

// WithName names the job. Names are unique within a scheduler; with a
// Locker, the name is what replicas agree on. The default is "job-N".
func WithName(name string) JobOption {
	return func(c *jobConfig) {
		if name == "" {
			c.fail("WithName(\"\"): the name must not be empty")
			return
		}
		c.name = name
	}
}

// WithTags attaches tags to the job, for Scheduler.Jobs and RemoveByTag.
func WithTags(tags ...string) JobOption {
	return func(c *jobConfig) { c.tags = append(c.tags, tags...) }
}

// StartImmediately makes the job's first tick its anchor itself rather
// than the trigger's first activation after it.
func StartImmediately() JobOption {
	return func(c *jobConfig) { c.immediate = true }
}

// WithStartAt sets the job's anchor: its ticks are computed from t rather
// than from the time the scheduler started.
func WithStartAt(t time.Time) JobOption {
	return func(c *jobConfig) {
		if t.IsZero() {
			c.fail("WithStartAt(zero time)")
			return
		}
		c.startAt = t
	}
}

// WithStopAt ends the job: no tick after t runs.
func WithStopAt(t time.Time) JobOption {
	return func(c *jobConfig) {
		if t.IsZero() {
			c.fail("WithStopAt(zero time)")
			return
		}
		c.stopAt = t
	}
}

// WithLimit ends the job after n runs started by ticks. Skipped ticks and
// RunNow do not count.
func WithLimit(n int) JobOption {
	return func(c *jobConfig) {
		if n < 1 {
			c.fail("WithLimit(%d): the limit must be at least 1", n)
			return
		}
		c.limit = n
	}
}

// WithTimeout ends each run's context d after the run starts (after its
// jitter), on the scheduler's clock; the context's Deadline reports that
// instant. It bounds the whole run, every WithRetry attempt and wait
// included. A run that returns because of it fails with an error wrapping
// context.DeadlineExceeded; its context, and contexts derived from it,
// report context.DeadlineExceeded as their Err.
func WithTimeout(d time.Duration) JobOption {
	return func(c *jobConfig) {
		if d <= 0 {
			c.fail("WithTimeout(%v): the timeout must be positive", d)
			return
		}
		c.timeout = d
	}
}

// WithJitter delays each tick's run by a random duration in [0, d) after
// its tick, drawn from the scheduler's random source (WithRand; seed it to
// make the delays repeatable). The tick itself, and TickFrom, stay
// anchored. During the delay the run is already in flight: it counts for
// the Overlap policy and holds its slot under WithMaxConcurrency. OnRun,
// BeforeRun, the start log record and WithTimeout's clock begin after it.
// A run in its delay has not started: Remove and Shutdown refuse it with
// ErrClosed and Pause skips it (ErrSkipped, counted in Stats.Skips); its
// function, OnRun and BeforeRun never run. RunNow is not delayed.
func WithJitter(d time.Duration) JobOption {
	return func(c *jobConfig) {
		if d < 0 {
			c.fail("WithJitter(%v): the jitter must not be negative", d)
			return
		}
		c.jitter = d
	}
}

// WithOverlap sets what happens when a tick comes while a run is in
// flight. The default is OverlapAllow.
func WithOverlap(o Overlap) JobOption {
	return func(c *jobConfig) {
		if o < OverlapAllow || o > OverlapBufferOne {
			c.fail("WithOverlap(%v): unknown policy", o)
			return
		}
		c.overlap = o
	}
}

// WithBuffer bounds the ticks OverlapQueue keeps waiting. The default is
// 1,000.
func WithBuffer(n int) JobOption {
	return func(c *jobConfig) {
		if n < 1 {
			c.fail("WithBuffer(%d): the bound must be at least 1", n)
			return
		}
		c.buffer = n
	}
}

// WithMisfire sets what happens to ticks the scheduler missed. The
// default is MisfireCoalesce.
func WithMisfire(m Misfire) JobOption {
	return func(c *jobConfig) {
		if m < MisfireCoalesce || m > MisfireCoalesceEarliest {
			c.fail("WithMisfire(%v): unknown policy", m)
			return
		}
		c.misfire = m
	}
}

// newJobConfig applies opts, sharing the default when there are none.
func newJobConfig(opts []JobOption) *jobConfig {
	if len(opts) == 0 {
		return &defaultJobConfig
	}
	c := defaultJobConfig
	for _, o := range opts {
		if o == nil {
			c.fail("nil JobOption")
			continue
		}
		o(&c)
	}
	c.tags = slices.Clip(c.tags)
	if c.err == nil && !c.stopAt.IsZero() && !c.startAt.IsZero() && c.stopAt.Before(c.startAt) {
		c.fail("WithStopAt(%s) is before WithStartAt(%s)", c.stopAt.Format(time.RFC3339), c.startAt.Format(time.RFC3339))
	}
	return &c
}

// OverlapBufferAll is OverlapQueue under the name Temporal and APScheduler
// users know: every tick waits its turn, up to WithBuffer of them.
const OverlapBufferAll = OverlapQueue

// defaultHistory is how many finished runs a job remembers for Describe.
const defaultHistory = 8

// WithCatchupWindow bounds how far back a misfire reaches: late ticks
// older than d before the moment the scheduler noticed them are dropped,
// counted in Stats.Dropped, and never run; the Misfire policy applies to
// the late ticks within the window.
func WithCatchupWindow(d time.Duration) JobOption {
	return func(c *jobConfig) {
		if d <= 0 {
			c.fail("WithCatchupWindow(%v): the window must be positive", d)
			return
		}
		c.window = d
	}
}

// WithPauseOnFailure makes the job pause itself after a run fails (once
// its retries are exhausted). A failure is what Stats.Failures counts and
// Event.Outcome calls "failed": an error, a timeout or a panic.
// Cancellation (Stats.Cancellations, "cancelled"), a lost claim and a
// skipped tick are not failures. PauseReason returns the failure until
// Resume.
// With WithStore, a named job is paused in the store only, for every
// replica, with the failure as the reason (Describe's PauseReason), and a
// Resume on any replica resumes it everywhere; if the store cannot be
// reached, it is paused on this replica, as Pause does.
func WithPauseOnFailure() JobOption {
	return func(c *jobConfig) { c.pauseFail = true }
}

// WithHistory sets how many finished runs the job remembers for Describe;
// the default is 8, and 0 remembers none.
func WithHistory(n int) JobOption {
	return func(c *jobConfig) {
		if n < 0 {
			c.fail("WithHistory(%d): must not be negative", n)
			return
		}
		c.history = n
	}
}
