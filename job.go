package periodic

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Job is a function scheduled on a trigger; Schedule returns it. Each run
// of the job, whether a tick or RunNow, gets its own Future. All methods
// are safe for use by several goroutines.
type Job[T any] struct {
	s      *Scheduler
	fn     Func[T]
	def    atomic.Pointer[jobDef] // trigger and options; replaced whole by Update
	name   string
	id     uint32                      // its number, from 1, in registration order (see order.go)
	runs   atomic.Uint32               // runs made, numbering them in the order of deadlines
	tick   entry                       // the next tick, in the scheduler's heap while active
	onRun  atomic.Pointer[[]*onRun[T]] // copied on write, under s.mu
	reload atomic.Bool                 // the store's Load failed at arm: fire retries it (store_job.go)
	broken atomic.Uint32               // how the trigger broke its contract: brokeLogged, brokeGoexit

	// Guarded by s.mu. A job at rest is this struct (144 bytes) in the
	// heap: what it needs only once it has run, or at rare moments, is
	// behind life and rare.
	state        jobState
	unarmed      bool        // paused before Start armed it
	resumeWanted bool        // Resume came while the releaser held the tick
	awaitEnd     bool        // the next tick waits for the end of a run (completion.go)
	replanned    bool        // Update came while the releaser held the tick (update.go)
	pauses       uint16      // Pause calls, mod 2^16: a Resume that a Pause overtook does not push (jobstate.go)
	life         *jobLife[T] // made when first needed; see l
	rare         *jobRare    // made when first needed; see more
}

// tickCount returns how many runs ticks admitted, for WithLimit; s.mu is
// held.
func (j *Job[T]) tickCount() int {
	if j.life == nil {
		return 0
	}
	return j.life.ticks
}

// jobRare holds what a job needs only at rare moments, so that a job at
// rest stays small. Guarded by s.mu; made by more. The releaser reads
// reloadFirst without s.mu: arm wrote it, under s.mu, before it pushed the
// tick the releaser holds.
type jobRare struct {
	reloadFirst time.Time // the first tick arm computed, for the retry of reload (store_job.go)
	replanNext  time.Time // the tick an Update computed while the releaser held the tick (update.go)
}

// more returns the job's jobRare, making it on first use; s.mu is held.
func (j *Job[T]) more() *jobRare {
	if j.rare == nil {
		j.rare = new(jobRare)
	}
	return j.rare
}

// jobDef is what Schedule, and then Update, define a job by. A run or a
// tick reads it once per decision, without the lock: an Update replaces
// the pointer and never changes a jobDef in place.
type jobDef struct {
	trigger Trigger
	cfg     *jobConfig
}

// conf returns the job's options.
func (j *Job[T]) conf() *jobConfig { return j.def.Load().cfg }

// trig returns the job's trigger.
func (j *Job[T]) trig() Trigger { return j.def.Load().trigger }

// jobLife is the part of a job that only jobs that have run, or been
// looked at, need; idle jobs go without it. Guarded by s.mu.
type jobLife[T any] struct {
	pausedBy error
	active   []*run[T]      // runs in flight
	queue    []*run[T]      // runs waiting their turn (OverlapQueue)
	slotWait *run[T]        // the tick or Backfill run waiting for a concurrency slot
	nowWait  []*run[T]      // RunNow runs waiting for a concurrency slot, in order
	batches  []*backfill[T] // Backfills with runs not finished
	catchUp  time.Time      // the last late tick of a misfire (see fire)
	history  []RunRecord    // the latest finished runs, a ring, for Describe
	histNext int            // where the ring's next record goes once full
	ticks    int            // runs admitted by ticks, for WithLimit
	last     *Future[T]
	stats    Stats
}

// l returns the job's jobLife, making it on first use, and names an
// unnamed job "job-N"; s.mu must be held. Code that runs or reports a job
// goes through l under the lock first, so it may read j.name after.
func (j *Job[T]) l() *jobLife[T] {
	if j.life == nil {
		if j.name == "" {
			j.name = "job-" + strconv.Itoa(int(j.id))
		}
		j.life = new(jobLife[T])
	}
	return j.life
}

// jobState is where a job is in its life; ARCHITECTURE.md has the table
// of what each method does in each state.
type jobState uint8

const (
	jobIdle    jobState = iota // scheduled, waiting for Start
	jobActive                  // its next tick is in the heap, or held by the releaser
	jobPaused                  // Pause took its tick out (or will, from the releaser)
	jobEnded                   // no more ticks: limit, stop time, trigger end
	jobRemoved                 // Remove or Shutdown
)

// onRun is an OnRun registration.
type onRun[T any] struct {
	fn      func(time.Time, *Future[T])
	stopped atomic.Bool
}

// Schedule adds a job that calls fn on trigger t. The job's anchor is
// WithStartAt, else the time of Start (or of Schedule, when the scheduler
// has started); its first tick is t.Next(anchor), or the anchor itself
// with StartImmediately.
//
// Bad input is an error wrapping ErrInvalid that names the value: a nil
// scheduler, trigger or function, a non-positive Every interval, an empty
// At, a bad option, a duplicate name; and an end already past on the
// scheduler's clock at Schedule (a mock clock before Start included): At
// whose every instant is at or before now, WithStopAt at or before now.
// Such a job could never run, so it is an error rather than a job that
// ends at once; instants of At already past among later ones are skipped
// as missed ticks are. A job that still ends without a tick at Start (the
// clock moved past its last instant between Schedule and Start, or its
// trigger has no time after the anchor) logs why at Warn. After Shutdown
// it returns ErrClosed.
//
// The trigger is user code: a Next that panics, or returns a time that is
// not after the one it was given (other than zero), ends the job, and the
// log says why at Error, once.
func Schedule[T any](s *Scheduler, t Trigger, fn Func[T], opts ...JobOption) (*Job[T], error) {
	cfg := newJobConfig(opts)
	if err := checkSchedule("Schedule", s, t, fn == nil, cfg); err != nil {
		return nil, err
	}
	if err := checkPast(s.Now(), t, cfg); err != nil {
		return nil, err
	}
	j := &Job[T]{s: s, fn: fn, name: cfg.name} // its definition is stored under the lock, below
	j.tick.ev, j.tick.index = j, -1
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil, wrapf(ErrClosed, "Schedule")
	}
	if err := s.claimNameLocked(j.name, j); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	s.jobSeq++
	j.id = uint32(s.jobSeq)                                    // 4 billion jobs: the order tree has 32 bits for them (order.go)
	j.def.Store(&jobDef{trigger: s.seededLocked(t), cfg: cfg}) // random.go: in Schedule order, so a seeded WithRand repeats
	s.jobs = append(s.jobs, &j.tick)
	started := s.started
	s.mu.Unlock()
	if started {
		j.arm(s.Now())
	}
	return j, nil
}

// claimNameLocked reserves an explicit job name. Unnamed jobs are named
// "job-N" when first needed, so such names are reserved.
func (s *Scheduler) claimNameLocked(name string, j jobHandle) error {
	if name == "" {
		return nil
	}
	if n, ok := strings.CutPrefix(name, "job-"); ok && n != "" && strings.Trim(n, "0123456789") == "" {
		return fmt.Errorf("%w: WithName(%q): names job-N are kept for unnamed jobs", ErrInvalid, name)
	}
	if _, dup := s.names[name]; dup {
		return fmt.Errorf("%w: WithName(%q): a job of that name exists", ErrInvalid, name)
	}
	s.names[name] = j
	return nil
}

// first returns the job's first tick: from the anchor, but never before
// now unless replicas must agree on it (a locker's epoch-aligned Every).
func (j *Job[T]) first(now time.Time) time.Time {
	anchor, aligned := j.conf().startAt, false
	if anchor.IsZero() {
		anchor = now
		if e, ok := j.trig().(every); ok && (j.s.cfg.locker != nil || j.s.cfg.store != nil) { // store: replicas agree
			epoch := time.Unix(0, 0)
			anchor, aligned = epoch.Add(now.Sub(epoch).Truncate(e.d)).In(now.Location()), true
		}
	}
	t := anchor
	if !j.conf().immediate {
		t = j.next(anchor)
	} else if !j.conf().stopAt.IsZero() && anchor.After(j.conf().stopAt) {
		return time.Time{}
	}
	for !aligned && !t.IsZero() && t.Before(now) {
		t = j.skipAhead(t, now)
	}
	return t
}

// next returns the tick after t, or zero when the job has no more: the
// trigger ended, passed WithStopAt, panicked, or went backwards or
// repeated (both logged once: they end the job).
func (j *Job[T]) next(t time.Time) time.Time {
	n, err := j.callNext(t)
	switch {
	case err != nil:
		j.brokeOnce("periodic: trigger panicked; the job ends", err)
		return time.Time{}
	case n.IsZero():
		return n
	case !n.After(t):
		j.brokeOnce("periodic: trigger went backwards or repeated; the job ends", nil,
			"after", t, "next", n)
		return time.Time{}
	case !j.conf().stopAt.IsZero() && n.After(j.conf().stopAt):
		return time.Time{}
	}
	return n
}

// callNext calls the trigger in the scheduler's zone, turning a panic into
// an error.
func (j *Job[T]) callNext(t time.Time) (n time.Time, err error) {
	if j.broken.Load()&brokeGoexit != 0 {
		return time.Time{}, fmt.Errorf("%w: Trigger.Next called runtime.Goexit before", ErrGoexit)
	}
	returned := false
	defer func() {
		if v := recover(); v != nil {
			n, err = time.Time{}, fmt.Errorf("Trigger.Next(%s) panicked: %w", t.Format(time.RFC3339Nano), newPanicError(v))
		} else if !returned { // runtime.Goexit: this goroutine ends; the job's next tick is the last
			j.broken.Or(brokeGoexit)
			j.brokeOnce("periodic: trigger called runtime.Goexit; the job ends", ErrGoexit, "after", t)
		}
	}()
	n = j.trig().Next(t.In(j.s.cfg.loc))
	returned = true
	return n, nil
}

// The bits of Job.broken.
const (
	brokeLogged uint32 = 1 << iota // brokeOnce has said why the trigger broke
	brokeGoexit                    // its Next called runtime.Goexit: Next is not called again
)

// brokeOnce logs, once per job, that its trigger broke its contract.
func (j *Job[T]) brokeOnce(msg string, err error, args ...any) {
	if j.broken.Or(brokeLogged)&brokeLogged != 0 {
		return
	}
	if err != nil {
		args = append(args, "error", err)
	}
	j.s.cfg.log.Error(msg, append([]any{"job", j.Name()}, args...)...)
}

// Name returns the job's name.
func (j *Job[T]) Name() string {
	j.s.mu.Lock()
	defer j.s.mu.Unlock()
	j.l()
	return j.name
}

// Tags returns the job's tags.
func (j *Job[T]) Tags() []string { return slices.Clone(j.conf().tags) }

// NextRun returns the job's next tick, or the zero time when it will not
// run again or is paused. Compare it with Equal, not ==.
//
// Before Start it returns the first tick the job would have if the
// scheduler started now, when that does not depend on the time of Start:
// for Cron, At and the combinators (Or, And, Except), and for any trigger
// under WithStartAt. For Every without WithStartAt, whose ticks count
// from Start, and for StartImmediately without WithStartAt, whose first
// run is Start itself, it returns the zero time until Start.
func (j *Job[T]) NextRun() time.Time {
	s := j.s
	s.mu.Lock()
	preview := j.previewLocked()
	when, active := j.tick.when, j.state == jobActive && !j.awaitEnd
	s.mu.Unlock()
	switch {
	case preview:
		return j.preview()
	case active:
		return when
	}
	return time.Time{}
}

// Last returns the future of the job's latest run to start, or nil before
// the first.
func (j *Job[T]) Last() *Future[T] {
	j.s.mu.Lock()
	defer j.s.mu.Unlock()
	return j.l().last
}

// Stats returns the job's counters.
func (j *Job[T]) Stats() Stats {
	j.s.mu.Lock()
	defer j.s.mu.Unlock()
	return j.l().stats
}

// OnRun registers fn to see every run of the job: each tick's run as it
// starts, each RunNow, each skipped tick, whose future has already
// failed with ErrSkipped, and each run refused before it started (waiting
// for a WithMaxConcurrency slot or in the overlap queue when it was
// cancelled, removed or shut down), whose future has already failed:
// every future the scheduler makes reaches it once. fn runs on the run's
// goroutine before the job's function (for skipped and refused runs, on a
// goroutine of the scheduler), so it should be quick. The returned stop removes it and reports whether it was
// still registered.
func (j *Job[T]) OnRun(fn func(tick time.Time, f *Future[T])) (stop func() bool) {
	reg := &onRun[T]{fn: fn}
	s := j.s
	s.mu.Lock()
	j.onRun.Store(ptrTo(append(j.onRuns(), reg)))
	s.mu.Unlock()
	return func() bool {
		if !reg.stopped.CompareAndSwap(false, true) {
			return false
		}
		s.mu.Lock()
		j.onRun.Store(ptrTo(slices.DeleteFunc(slices.Clone(j.onRuns()), func(o *onRun[T]) bool { return o == reg })))
		s.mu.Unlock()
		return true
	}
}

// notifyRun calls the OnRun functions; a panicking one is recovered and
// logged, and the others still run.
func (j *Job[T]) notifyRun(tick time.Time, f *Future[T]) {
	for _, reg := range j.onRuns() {
		if !reg.stopped.Load() {
			j.callOnRun(reg, tick, f)
		}
	}
}

// callOnRun calls one OnRun function, recovering a panic.
func (j *Job[T]) callOnRun(reg *onRun[T], tick time.Time, f *Future[T]) {
	defer func() {
		if v := recover(); v != nil {
			j.s.cfg.log.Error("periodic: OnRun function panicked", "job", j.name, "tick", tick, "panic", newPanicError(v))
		}
	}()
	reg.fn(tick, f)
}

// onRuns returns the OnRun registrations.
func (j *Job[T]) onRuns() []*onRun[T] {
	if p := j.onRun.Load(); p != nil {
		return *p
	}
	return nil
}

// ptrTo returns a pointer to a copy of v.
func ptrTo[V any](v V) *V { return &v }

// RunNow starts a run of the job at once, outside its trigger: it neither
// counts towards WithLimit nor obeys the Overlap policy, but it does wait
// for a slot under WithMaxConcurrency, in the order of the slots' FIFO,
// however many runs of the job already wait (each RunNow waits; none is
// refused). Pause does not skip it; Remove and Shutdown refuse it while it
// waits. TickFrom in the run returns the time RunNow was called. After
// Shutdown the future has already failed with ErrClosed; after Remove,
// with ErrRemoved (which wraps ErrClosed).
func (j *Job[T]) RunNow() *Future[T] {
	s := j.s
	s.mu.Lock()
	j.l()
	if err := j.closedErrLocked(); err != nil {
		name := j.name
		s.mu.Unlock()
		return failed[T](wrapf(err, "job %q: RunNow", name))
	}
	r := newRun(j, s.Now(), false)
	j.admitLocked(r) // a RunNow run always finds its place in the slots' FIFO
	s.mu.Unlock()
	return &r.fut
}

// skipAhead returns the first tick at or after now when t is before it,
// counting the ticks between without visiting each; else the tick after t.
func (j *Job[T]) skipAhead(t, now time.Time) time.Time {
	if !t.Before(now) {
		return j.next(t)
	}
	c := countTicks(j.tickSpan(t, now, false, nil)) // no visit per tick: count.go
	return j.next(c.last)
}

// skipErr describes a skipped tick.
func (j *Job[T]) skipErr(tick time.Time, why string) error {
	return fmt.Errorf("%w: job %q tick %s: %s", ErrSkipped, j.name, tick.Format(time.RFC3339Nano), why)
}
