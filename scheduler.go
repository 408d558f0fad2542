package periodic

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic/internal/drive"
)

// Scheduler runs jobs on triggers, like an asyncio event loop runs tasks.
// Schedule adds a job; Start begins ticking; every run of a job gets a
// Future; Shutdown stops ticking and waits for the runs in flight.
//
// One dispatcher goroutine keeps the next run time of every job, and the
// wake-up times of every Sleep, in one min-heap under one clock timer: an
// idle scheduler uses no CPU, and a job at rest costs no goroutine. It
// starts with Start, or with the first deadline (a Sleep in a RunNow
// before Start), and ends with Shutdown. Each run gets its own goroutine,
// so runs of the same job overlap unless the job's Overlap policy says
// otherwise.
//
// Time comes only from the scheduler's clock (WithClock). With a
// *clock.Mock and periodictest.Advance, tests see every tick and every
// Sleep at its exact instant, in a fixed order.
//
// All methods are safe for use by several goroutines, and may be called
// from the scheduler's own goroutines (runs, callbacks, hooks). The zero
// Scheduler is not usable; create one with New. ARCHITECTURE.md states
// who owns each piece of its state.
type Scheduler struct {
	cfg    config
	driven bool // set once; the dispatcher arms no timer
	// reuseTimer is set for the real clock, whose timers Reset safely;
	// a mock's timer is replaced instead, so that no stale tick blocks it.
	reuseTimer bool
	// root is the top of the order tree of deadlines (see order.go); runs
	// are its children. Its zero value is the root; never written.
	root origin

	// mu guards the fields below. It is never held while user code runs.
	mu        sync.Mutex
	heap      deadlines
	seq       uint64
	started   bool // Start was called
	loopOn    bool // the dispatcher was started
	closing   bool // Shutdown was called
	stopped   bool // closing and every token given back: no new token
	drivenNow bool // periodictest drives the deadlines
	releasing bool // the dispatcher is firing a batch and will look again
	// busy counts goroutines of the scheduler not blocked in Sleep or
	// Await; live counts tokens: goroutines of the scheduler not yet
	// returned. Both change under mu, except that a run's goroutine and its
	// Go tasks give their tokens back without it (releaseRun); see
	// ARCHITECTURE.md.
	busy     atomic.Int64
	live     atomic.Int64
	inflight int  // runs started and not returned
	misused  bool // a plain goroutine waited on a run's context (logged once)
	waiters  map[*waiter]struct{}
	slots    []starter // runs waiting for a slot under WithMaxConcurrency
	changed  chan struct{}
	// driveStart is closed when periodictest starts driving the scheduler
	// (drivenNow): a Shutdown that looked before then waits on it
	// (changes), since the idle books matter only from then on.
	driveStart chan struct{}
	jobs       []*entry             // each job's tick entry (its ev is the job), in registration order: 8 bytes a job; see jobAt
	names      map[string]jobHandle // jobs given a name by WithName
	jobSeq     int
	running    runList // runs in flight, for Shutdown to cancel

	// deferStarts is set by the releaser while it admits a tick's run: the
	// runs moved to active meanwhile wait in starts, and the releaser
	// starts their goroutines once it has released mu (startDeferred).
	// Only the releaser sets it, and only it touches starts.
	deferStarts bool
	starts      []execer
	leftover    fired      // what a group of ticks leaves for after the lock (fireGroups); the releaser's
	groups      *groupBufs // the releaser's, made once (fireGroups)
	firing      []*entry   // mu: the batch the dispatcher fires, for takeOver

	misfires misfirePool // mu: the budget the misfires released at one instant share (count_budget.go)

	// The real clock's dispatcher (dispatch.go): the timer whose callback
	// it is, how many of the timer's callbacks are due to run and have not
	// yet looked (fires), and whether a dispatch is under way; all under
	// mu. A dispatch's buffer is its own (dispatching guards it).
	timer       *clock.Timer
	fires       int
	dispatching bool
	dispatchBuf []*entry
	// keeping is set, under mu, by a dispatch for its batch: the releaser
	// keeps the last run it starts (kept) for the dispatch to execute on
	// its own goroutine. Only the releaser reads them, and one releaser
	// runs at a time (it holds a token the driven releaser waits for).
	keeping bool
	kept    execer

	wake chan struct{} // the earliest deadline changed (loop, for clocks other than the real one)
	stop chan struct{} // closed when stopped: the dispatcher ends
	done chan struct{} // closed when stopped and the dispatcher has returned

	st storeState // store_run.go: WithStore's cache and handed-over leases

	// closed mirrors closing for releaseRun, which reads it without mu;
	// watched is set, for good, by the first goroutine that waits for the
	// idle books to change (WaitIdle, a driven scheduler). Each is stored
	// before its writer reads live or busy, and releaseRun reads them after
	// it has lowered live and busy, so that one of the two sees the other.
	closed  atomic.Bool
	watched atomic.Bool
}

// New returns a scheduler configured by opts. It starts no goroutine; call
// Start to begin ticking. The defaults are: the real clock (clock.New()),
// slog.Default() as the logger, time.Local for calendar triggers, no cap on
// concurrent runs, no locker, a random source seeded from the runtime, a
// misfire grace of one second, and no hooks.
//
// A bad option (nil clock, logger, location or locker, a limit below one,
// a negative grace) is reported by every later Schedule, whose error names
// it, rather than by a panic.
func New(opts ...Option) *Scheduler {
	cfg := config{clock: clock.New(), log: slog.Default(), loc: time.Local, grace: time.Second}
	for _, o := range opts {
		if o == nil {
			cfg.fail("nil Option")
			continue
		}
		o(&cfg)
	}
	cfg.storeDefaults() // store_run.go
	if cfg.rand == nil {
		cfg.rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	_, driven := cfg.clock.(drive.Driven)
	s := &Scheduler{
		cfg:        cfg,
		driven:     driven,
		reuseTimer: reflect.TypeOf(cfg.clock) == reflect.TypeOf(clock.New()),
		waiters:    make(map[*waiter]struct{}),
		names:      make(map[string]jobHandle),
		wake:       make(chan struct{}, 1),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	s.watched.Store(driven)
	return s
}

// Start anchors the jobs scheduled so far at the current time and starts
// the dispatcher, if the first deadline has not started it already.
// Calling it again, or after Shutdown, does nothing.
func (s *Scheduler) Start() {
	s.mu.Lock()
	if s.started || s.closing {
		s.mu.Unlock()
		return
	}
	s.started = true
	s.ensureLoopLocked()
	s.mu.Unlock()
	now := s.Now()
	for _, j := range s.jobsInOrder() {
		j.arm(now)
	}
}

// ensureLoopLocked starts the dispatcher once, unless the scheduler has
// stopped: the heap has an owner as soon as it has an entry.
func (s *Scheduler) ensureLoopLocked() {
	if s.loopOn || s.stopped {
		return
	}
	s.loopOn = true
	if s.reuseTimer {
		s.armLocked()
		return
	}
	go s.loop()
}

// Now returns the current time of the scheduler's clock, in the zone of
// WithLocation.
func (s *Scheduler) Now() time.Time { return s.cfg.clock.Now().In(s.cfg.loc) }

// Clock returns the scheduler's clock.
func (s *Scheduler) Clock() clock.Clock { return s.cfg.clock }

// Shutdown stops ticking, refuses new runs with ErrClosed, settles runs
// still waiting to start with ErrClosed, and waits for the runs in flight
// (and the goroutines they started with Go, and OnDone callbacks of the
// scheduler's futures) to return; then every future the scheduler handed
// out is settled and none of its goroutines is left.
//
// If ctx ends first, Shutdown cancels the contexts of the runs in flight
// and returns ctx.Err() at once, as http.Server.Shutdown does; runs that
// ignore cancellation go on, and Done closes when the last has returned.
//
// Called from a goroutine the scheduler owns (a run or its Go tasks, an
// OnDone callback of its futures, OnRun, a hook), Shutdown starts the
// shutdown and returns nil without waiting, since it would wait for its
// own caller; wait on Done from elsewhere. It recognises such a goroutine
// by ctx (a run's context, or one derived from it), else by the function
// the goroutine started in; a goroutine of another Scheduler counts as
// one of this scheduler's. It may be called several times. A nil ctx is
// an error wrapping ErrInvalid, and starts nothing.
//
// On a scheduler that periodictest drives, Shutdown assumes that its
// caller is the goroutine that moves the clock (the test's), so that
// nothing moves it while Shutdown waits. It releases the deadlines already
// due, as WaitIdle does, and if the runs left then wait for later
// deadlines of the clock, it cancels them at once, whatever ctx, and
// returns an error wrapping ErrStalled that names each blocked run and
// what it waits for, instead of waiting forever. A run busy on what the
// scheduler cannot see (a bare channel of the clock, a lock) is waited
// for as on any scheduler, until ctx ends; if timers of a
// periodictest.Clock are pending meanwhile, Shutdown logs at Warn which
// runs are busy. A scheduler is driven from the first call of
// periodictest's Advance or WaitIdle on it, or from New on a
// periodictest.Clock; on a *clock.Mock that no such call has taken over,
// Shutdown waits, as another goroutine may move the mock.
func (s *Scheduler) Shutdown(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("%w: Shutdown: nil context", ErrInvalid)
	}
	s.closeJobs()
	if s.calledFromInside(ctx) {
		return nil
	}
	return s.awaitRuns(ctx)
}

// Done returns a channel closed once Shutdown has been called and every
// goroutine of the scheduler, the dispatcher included, has finished: its
// work is done and it returns at once (its last act is to say so). It is
// the way to wait for runs that outlived a Shutdown whose context ended.
func (s *Scheduler) Done() <-chan struct{} { return s.done }

// closeJobs marks the scheduler closing, takes every job's tick out of the
// heap, and settles runs that have not started.
func (s *Scheduler) closeJobs() {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return
	}
	s.closing = true
	s.closed.Store(true) // before checkDoneLocked reads live: see releaseRun
	var refused []refusal
	for _, e := range s.jobs {
		refused = jobAt(e).closeLocked(refused, ErrClosed) // vacates its tick's slot
	}
	// Every tick out at once, before anything else reads the heap.
	s.heap.compact()
	for len(s.slots) > 0 { // runs of removed jobs cannot wait: Remove refused them
		refused = s.slots[0].refuseLocked(refused, ErrClosed)
	}
	s.checkDoneLocked()
	s.notifyLocked()
	s.mu.Unlock()
	settle(refused)
}

// cancelRuns cancels the context of every run in flight.
func (s *Scheduler) cancelRuns() {
	s.mu.Lock()
	var runs []*runBase
	for r := s.running.head; r != nil; r = r.next {
		runs = append(runs, r)
	}
	s.mu.Unlock()
	for _, r := range runs {
		r.cancel()
	}
}

// pushLocked adds e at when and wakes the dispatcher if e is now the
// earliest deadline. An entry already in the heap is left as it is: an
// entry is never in the heap twice. A held entry is pushed only by the
// releaser's event (ARCHITECTURE.md, heap entries).
func (s *Scheduler) pushLocked(e *entry, when time.Time) {
	if s.heap.holds(e) {
		return
	}
	s.seq++
	e.when, e.seq = when, s.seq
	s.heap.push(e)
	s.ensureLoopLocked()
	if s.heap.peek() == e && !s.releasing {
		s.wakeLocked()
	}
	s.notifyLocked()
}

// hold takes a token for a new goroutine of the scheduler, before its
// creator starts it; false once the scheduler has stopped, when the
// caller must not start the goroutine.
func (s *Scheduler) hold() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.holdLocked()
}

// holdLocked is hold with s.mu held.
func (s *Scheduler) holdLocked() bool {
	if s.stopped {
		return false
	}
	s.busy.Add(1)
	s.live.Add(1)
	return true
}

// release gives a goroutine's token back.
func (s *Scheduler) release() {
	s.mu.Lock()
	s.releaseLocked()
	s.mu.Unlock()
}

// releaseLocked is release with s.mu held.
func (s *Scheduler) releaseLocked() {
	s.busy.Add(-1)
	s.live.Add(-1)
	s.checkDoneLocked()
	s.notifyLocked()
}

// checkDoneLocked stops the scheduler once closing and every token is
// back: the dispatcher ends, and Done closes when it has.
func (s *Scheduler) checkDoneLocked() {
	if !s.closing || s.live.Load() > 0 || s.stopped {
		return
	}
	s.stopped = true
	close(s.stop)
	if s.reuseTimer && s.timer != nil && s.timer.Stop() {
		s.fires--
	}
	if !s.loopOn {
		close(s.done)
		return
	}
	s.dispatchDoneLocked()
}

// logger returns the scheduler's logger, or the default one.
func logger(s *Scheduler) *slog.Logger {
	if s == nil {
		return slog.Default()
	}
	return s.cfg.log
}

// The hooks periodictest uses to drive a scheduler.
func init() {
	drive.Drive = func(x any) {
		s := x.(*Scheduler)
		s.watched.Store(true)
		s.mu.Lock()
		s.drivenNow = true
		if s.driveStart != nil {
			close(s.driveStart)
			s.driveStart = nil
		}
		s.wakeLocked() // the real clock's timer stops
		s.mu.Unlock()
	}
	drive.Next = func(x any) (time.Time, bool) {
		s := x.(*Scheduler)
		s.mu.Lock()
		defer s.mu.Unlock()
		if e := s.heap.peek(); e != nil {
			return e.when, true
		}
		return time.Time{}, false
	}
}
