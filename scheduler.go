package periodic

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic/internal/drive"
)

// Scheduler runs jobs on triggers, like an asyncio event loop runs tasks.
// Schedule adds a job; Start begins ticking; every run of a job gets a
// Future; Shutdown stops ticking and waits for the runs in flight.
//
// One dispatcher goroutine, started by Start, keeps the next run time of
// every job, and the wake-up times of every Sleep, in one min-heap under
// one clock timer: an idle scheduler uses no CPU, and a job at rest costs
// no goroutine. Each run gets its own goroutine, so runs of the same job
// overlap unless the job's Overlap policy says otherwise.
//
// Time comes only from the scheduler's clock (WithClock). With a
// *clock.Mock and periodictest.Advance, tests see every tick and every
// Sleep at its exact instant, in a fixed order.
//
// All methods are safe for use by several goroutines. The zero Scheduler
// is not usable; create one with New.
type Scheduler struct {
	cfg    config
	driven bool // set once; the dispatcher arms no timer
	// reuseTimer is set for the real clock, whose timers Reset safely;
	// a mock's timer is replaced instead, so that no stale tick blocks it.
	reuseTimer bool

	// mu guards the fields below. It is never held while user code runs.
	mu        sync.Mutex
	heap      deadlines
	seq       uint64
	started   bool
	closing   bool
	drivenNow bool // periodictest drives the deadlines
	releasing bool // the dispatcher is firing a batch and will look again
	busy      int  // goroutines of the scheduler not blocked in Sleep or Await
	live      int  // goroutines of the scheduler not yet returned
	inflight  int  // runs started and not returned
	waiters   map[*waiter]struct{}
	slots     []starter // runs waiting for a slot under WithMaxConcurrency
	changed   chan struct{}
	jobs      []jobHandle          // in registration order
	names     map[string]jobHandle // jobs given a name by WithName
	jobSeq    int
	running   runList       // runs in flight, for Shutdown to cancel
	allDone   chan struct{} // closed when closing and live == 0

	wake     chan struct{} // the earliest deadline changed
	stop     chan struct{} // closed to end the dispatcher
	stopOnce sync.Once
	loopDone chan struct{}

	st storeState // store_run.go: WithStore's cache and handed-over leases
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
	return &Scheduler{
		cfg:        cfg,
		driven:     driven,
		reuseTimer: reflect.TypeOf(cfg.clock) == reflect.TypeOf(clock.New()),
		waiters:    make(map[*waiter]struct{}),
		names:      make(map[string]jobHandle),
		allDone:    make(chan struct{}),
		wake:       make(chan struct{}, 1),
		stop:       make(chan struct{}),
		loopDone:   make(chan struct{}),
	}
}

// Start anchors the jobs scheduled so far at the current time and starts
// the dispatcher. Calling it again, or after Shutdown, does nothing.
func (s *Scheduler) Start() {
	s.mu.Lock()
	if s.started || s.closing {
		s.mu.Unlock()
		return
	}
	s.started = true
	s.mu.Unlock()
	now := s.Now()
	for _, j := range s.jobsInOrder() {
		j.arm(now)
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
// scheduler's futures) to return. If ctx ends first, it cancels the
// contexts of all runs in flight, still waits for them to return, and
// returns ctx.Err(). When it returns, every future the scheduler handed
// out is settled and none of its goroutines is left. It may be called
// several times.
func (s *Scheduler) Shutdown(ctx context.Context) error {
	s.closeJobs()
	var err error
	select {
	case <-s.allDone:
	case <-ctx.Done():
		err = ctx.Err()
		s.cancelRuns()
		<-s.allDone
	}
	s.stopOnce.Do(func() { close(s.stop) })
	s.mu.Lock()
	started := s.started
	s.mu.Unlock()
	if started {
		<-s.loopDone
	}
	return err
}

// closeJobs marks the scheduler closing, takes every job's tick out of the
// heap, and settles runs that have not started.
func (s *Scheduler) closeJobs() {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return
	}
	s.closing = true
	var refused []starter
	for _, j := range s.jobs {
		refused = append(refused, j.closeLocked()...)
	}
	refused = append(refused, s.slots...)
	s.slots = nil
	s.checkDoneLocked()
	s.notifyLocked()
	s.mu.Unlock()
	for _, r := range refused {
		r.refuse(ErrClosed)
	}
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

// loop is the dispatcher: it releases due deadlines and sleeps on one
// clock timer until the earliest of the others.
func (s *Scheduler) loop() {
	defer close(s.loopDone)
	var timer *clock.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	var batch []*entry
	for {
		for ok := true; ok; {
			batch, ok = s.releaseBatch(batch)
		}
		s.mu.Lock()
		next := s.heap.peek()
		arm := next != nil && !s.driven && !s.drivenNow
		var when time.Time
		if arm {
			when = next.when
		}
		s.mu.Unlock()
		var fired <-chan time.Time
		switch {
		case arm && timer != nil && s.reuseTimer:
			timer.Reset(when.Sub(s.cfg.clock.Now()))
		case arm:
			if timer != nil {
				timer.Stop()
			}
			timer = s.cfg.clock.Timer(when.Sub(s.cfg.clock.Now()))
		case timer != nil:
			timer.Stop()
		}
		if arm {
			fired = timer.C
		}
		select {
		case <-fired:
		case <-s.wake:
		case <-s.stop:
			return
		}
	}
}

// releaseDue fires the earliest deadline if it is due and the scheduler is
// driven by periodictest, and reports whether it did. WaitIdle calls it.
func (s *Scheduler) releaseDue() bool {
	s.mu.Lock()
	e := s.heap.peek()
	if e == nil || !(s.drivenNow || s.driven) || e.when.After(s.cfg.clock.Now()) {
		s.mu.Unlock()
		return false
	}
	s.heap.remove(e)
	s.busy++ // until the event has done its work
	s.mu.Unlock()
	e.ev.fire(e, s.Now())
	s.mu.Lock()
	s.busy--
	s.notifyLocked()
	s.mu.Unlock()
	return true
}

// releaseBatch fires, in order, the deadlines due now (up to a bound), and
// reports whether there were any. It is the dispatcher's path; a driven
// scheduler releases one deadline at a time instead, through WaitIdle.
func (s *Scheduler) releaseBatch(buf []*entry) ([]*entry, bool) {
	const most = 1024
	s.mu.Lock()
	buf = buf[:0]
	now := s.cfg.clock.Now()
	for e := s.heap.peek(); e != nil && !s.drivenNow && !s.driven && !e.when.After(now) && len(buf) < most; e = s.heap.peek() {
		s.heap.remove(e)
		buf = append(buf, e)
	}
	s.busy += len(buf) // until their events have done their work
	s.releasing = len(buf) > 0
	s.mu.Unlock()
	if len(buf) == 0 {
		return buf, false
	}
	now = now.In(s.cfg.loc)
	for _, e := range buf {
		e.ev.fire(e, now)
	}
	s.mu.Lock()
	s.busy -= len(buf)
	s.releasing = false
	s.notifyLocked()
	s.mu.Unlock()
	clear(buf)
	return buf, true
}

// pushLocked adds e at when and wakes the dispatcher if e is now the
// earliest deadline.
func (s *Scheduler) pushLocked(e *entry, when time.Time) {
	s.seq++
	e.when, e.seq = when, s.seq
	s.heap.push(e)
	if s.heap.peek() == e && !s.releasing {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	s.notifyLocked()
}

// hold counts a new goroutine of the scheduler.
func (s *Scheduler) hold() {
	s.mu.Lock()
	s.busy++
	s.live++
	s.mu.Unlock()
}

// release counts a goroutine of the scheduler out.
func (s *Scheduler) release() {
	s.mu.Lock()
	s.busy--
	s.live--
	s.checkDoneLocked()
	s.notifyLocked()
	s.mu.Unlock()
}

// checkDoneLocked closes allDone once closing and nothing is left.
func (s *Scheduler) checkDoneLocked() {
	if s.closing && s.live == 0 {
		select {
		case <-s.allDone:
		default:
			close(s.allDone)
		}
	}
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
		s.mu.Lock()
		s.drivenNow = true
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
