package periodic

import (
	"context"
	"log/slog"
	"time"
)

// EventKind says what an Event reports.
type EventKind uint8

const (
	EventStart   EventKind = iota + 1 // a run is starting
	EventFinish                       // a run returned; Err says how
	EventSkip                         // a tick did not run; Err says why
	EventMisfire                      // ticks came late; Missed says how many
	EventRetry                        // an attempt failed and will be retried
	EventPanic                        // a run panicked; Err is a *PanicError
)

// String returns the kind's name.
func (k EventKind) String() string {
	names := [...]string{"", "start", "finish", "skip", "misfire", "retry", "panic"}
	if int(k) < len(names) && k > 0 {
		return names[k]
	}
	return "unknown"
}

// Event is what the scheduler reports to Hooks and to its logger.
type Event struct {
	Kind     EventKind
	Job      string        // the job's name
	Tick     time.Time     // the run's tick; for EventMisfire, the first late tick
	Start    time.Time     // when the run started; when the tick was skipped, the misfire seen, the attempt failed
	Duration time.Duration // how long the run took (EventFinish, EventPanic)
	Attempt  int           // the attempt number (EventRetry: the failed one; EventFinish: the last)
	Missed   int           // ticks released more than the misfire grace late (EventMisfire)
	Dropped  int           // of Missed, the ticks never run (EventMisfire): Missed minus the late ticks the policy runs: all of them under MisfireSkip; all but the first under MisfireCoalesceEarliest; under MisfireCoalesce all but the latest, or all of them when the tick it runs is on time (within the grace); under MisfireCatchUp those older than WithCatchupWindow or beyond its 1,000
	// MissedAtLeast says Missed is a lower bound: the trigger (Or, And,
	// Except, a user's) cannot be counted in closed form, and a span of
	// late ticks (those within the catch-up window, or those older than
	// it, all dropped) was longer than the 2,000 the scheduler
	// visits to count it, or than the misfire's budget of trigger calls
	// let it visit (6,000 for all its counting, shared with the misfires
	// released at the same instant; 1,500 Next calls for a user's trigger,
	// or a combinator with one among its members; see ARCHITECTURE.md).
	// Dropped is then a lower bound too. Missed is never more than the
	// ticks there were.
	MissedAtLeast bool
	Err           error // the run's error (EventFinish, EventPanic), the failure (EventRetry), why (EventSkip)
	// Context is the run's context (EventStart, EventFinish, EventRetry,
	// EventPanic; nil for the others), with the values RunContext gave it:
	// a hook finds there what it put there as the run started, such as a
	// span to end. In AfterRun (EventFinish) the run has ended and this
	// context is already cancelled: read its values, and for calls that
	// must not fail with it (an export, a store write) use
	// context.WithoutCancel(e.Context).
	Context context.Context
	// Backfill says the run is one of a Backfill (EventStart, EventFinish,
	// EventRetry, EventPanic and RunContext's start): its tick is a past
	// time given to Backfill, so its start lateness says nothing of the
	// scheduler's health, and instrumentation leaves it out of lateness
	// figures.
	Backfill bool
}

// Hooks are functions the scheduler calls as runs start and finish, ticks
// are skipped or misfire, attempts are retried and runs panic. Each may be
// nil. BeforeRun, AfterRun, OnRetry and OnPanic run on the run's goroutine
// (AfterRun after the run's future has settled, OnPanic just before
// AfterRun), OnSkip on a goroutine of the scheduler, OnMisfire on the
// goroutine that releases ticks (the dispatcher, or the caller of
// periodictest.Advance). None is called with the scheduler's lock held, so
// they may call its methods (Shutdown included: from a hook it does not
// wait), but they should return quickly: a slow OnMisfire delays every
// job's ticks. A hook that panics is recovered and logged at Error,
// stamped by the scheduler's clock; the run and the other hooks go on,
// those of the other sets given to WithHooks included (each set's hook is
// recovered on its own).
//
// RunContext is the seam for tracing (periodicotel) and the like, in the
// manner of otelhttp's handler wrapper: it is called on the run's
// goroutine as the run starts, before BeforeRun, before the tick is
// claimed, with the context the run's values come from (its parent, not
// the run itself: TickFrom gives zero there) and the run's EventStart. The
// run's context then carries the values of the context it returns, so the
// job's function, the Locker and every later hook of the run (in
// Event.Context) see them: a span started there is the parent of the
// job's own spans, and AfterRun ends it. Only values are taken from it;
// cancellation and the deadline stay the run's. A nil return changes
// nothing; a panic is recovered and logged, and the run goes on, the
// next set's RunContext getting the context the one before returned.
type Hooks struct {
	BeforeRun  func(Event)
	AfterRun   func(Event)
	OnSkip     func(Event)
	OnMisfire  func(Event)
	OnRetry    func(Event)
	OnPanic    func(Event)
	RunContext func(ctx context.Context, e Event) context.Context
}

// Stats counts what happened to a job's runs; Job.Stats returns it, and
// Scheduler.Jobs lists it. A tick either starts a run or is skipped
// (Skips); a tick released late also counts in Misfires, whether or not
// its job's Misfire policy runs it. A run that returned counts once in
// Successes, Failures or Cancellations, in the words of Event.Outcome
// ("succeeded", "failed", "cancelled"); WithPauseOnFailure pauses on what
// Failures counts.
type Stats struct {
	Runs          int           // runs that returned, RunNow included
	Successes     int           // runs that returned no error
	Failures      int           // runs that returned an error, timeouts and panics included, cancellations not
	Cancellations int           // runs whose context was cancelled (Cancel, OverlapReplace, Shutdown): not failures
	Skips         int           // ticks skipped by the overlap policy (with WithStore, the cluster's too) or a full slot queue, or refused as paused cluster-wide
	Misfires      int           // ticks released more than the grace late (run or not, as the Misfire policy says)
	Retries       int           // failed attempts that were retried
	Dropped       int           // late ticks never run: Misfires minus the late ticks that ran (see Event.Dropped)
	InFlight      int           // runs started and not returned
	LostClaims    int           // ticks another replica claimed (Locker, Store): not runs, not failures
	StoreErrors   int           // store calls that failed (WithStore): claims, renewals, releases, loads
	LastDuration  time.Duration // of the latest run to return
	LastError     error         // of the latest run to return
}

// report passes e to its hook in each set WithHooks gave, and to the
// logger. Each hook is recovered on its own: one that panics is logged,
// and the next set's is still called.
func (s *Scheduler) report(e *Event) {
	for i := range s.cfg.hooks {
		if fn := s.cfg.hooks[i].of(e.Kind); fn != nil {
			s.callHook(fn, e)
		}
	}
	if level, h := e.level(), s.cfg.log.Handler(); h.Enabled(context.Background(), level) {
		s.log(h, level, e)
	}
}

// unheard reports whether an event logged at Debug reaches nobody: no
// hook set was given and the logger drops Debug. A run's start and a
// nil-returning run's end are not built then: on a lone tick, on a cold
// cache, building and leveling them is a cost of its own (BENCHMARKS.md,
// "Issue 14, fourth round").
func (s *Scheduler) unheard() bool {
	return len(s.cfg.hooks) == 0 && !s.cfg.log.Handler().Enabled(context.Background(), slog.LevelDebug)
}

// callHook calls a hook, recovering a panic, which it logs stamped by the
// scheduler's clock.
//
//go:noinline
func (s *Scheduler) callHook(fn func(Event), e *Event) {
	defer func() {
		if v := recover(); v != nil {
			s.logPanic("periodic: hook panicked", e.Kind.String(), *e, v)
		}
	}()
	fn(*e)
}

// log writes e to h. It is kept out of report so that the record's large
// frame grows a run's stack only when something is logged.
//
//go:noinline
func (s *Scheduler) log(h slog.Handler, level slog.Level, e *Event) {
	r := slog.NewRecord(s.Now(), level, e.message(), 0) // stamped by the scheduler's clock
	r.AddAttrs(e.attrs()...)
	ctx := e.Context // a handler may read the run's trace from it
	if ctx == nil {
		ctx = context.Background()
	}
	_ = h.Handle(ctx, r)
}

// level is the level e is logged at: Error for panics, Warn for failures,
// retries and misfires, Debug for the rest.
func (e *Event) level() slog.Level {
	if l, ok := storeLevel(e); ok { // store_log.go
		return l
	}
	switch {
	case e.Kind == EventPanic:
		return slog.LevelError
	case e.Kind == EventMisfire, e.Kind == EventRetry, e.Kind == EventFinish && e.failed():
		return slog.LevelWarn
	}
	return slog.LevelDebug
}

// failed reports whether e carries an error other than a cancellation.
func (e *Event) failed() bool { return e.Err != nil && !isCancel(e.Err) }

// message is the log message for e.
func (e *Event) message() string {
	if m := storeMessage(e); m != "" { // store_log.go
		return m
	}
	switch {
	case e.Kind == EventFinish && e.failed():
		return "periodic: run failed"
	case e.Kind == EventFinish && e.Err != nil:
		return "periodic: run cancelled"
	}
	return [...]string{"", "periodic: run started", "periodic: run finished", "periodic: tick skipped",
		"periodic: ticks misfired", "periodic: attempt failed, retrying", "periodic: run panicked"}[e.Kind]
}

// attrs are the attributes logged with e: always job and tick; duration,
// attempt, missed and error when they apply; the stack of a panic.
func (e *Event) attrs() []slog.Attr {
	attrs := []slog.Attr{slog.String("job", e.Job), slog.Time("tick", e.Tick)}
	if e.Kind == EventFinish || e.Kind == EventPanic {
		attrs = append(attrs, slog.Duration("duration", e.Duration))
	}
	if e.Kind == EventRetry || e.Kind == EventFinish && e.Attempt > 1 {
		attrs = append(attrs, slog.Int("attempt", e.Attempt))
	}
	if e.Kind == EventMisfire {
		attrs = append(attrs, slog.Int("missed", e.Missed))
		if e.MissedAtLeast {
			attrs = append(attrs, slog.Bool("missed_at_least", true))
		}
	}
	if e.Dropped > 0 {
		attrs = append(attrs, slog.Int("dropped", e.Dropped))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("error", e.Err.Error()))
	}
	if pe, ok := e.Err.(*PanicError); ok && e.Kind == EventPanic {
		attrs = append(attrs, slog.String("stack", string(pe.Stack)))
	}
	return attrs
}

// goTracked runs fn on a goroutine of the scheduler, whose token it takes
// first, and reports whether it did: false once the scheduler has
// stopped, when fn has not run.
func (s *Scheduler) goTracked(fn func()) bool {
	if !s.hold() {
		return false
	}
	go func() {
		defer s.release()
		fn()
	}()
	return true
}

// of returns the hook for kind.
func (h *Hooks) of(kind EventKind) func(Event) {
	switch kind {
	case EventStart:
		return h.BeforeRun
	case EventFinish:
		return h.AfterRun
	case EventSkip:
		return h.OnSkip
	case EventMisfire:
		return h.OnMisfire
	case EventRetry:
		return h.OnRetry
	case EventPanic:
		return h.OnPanic
	}
	return nil
}
