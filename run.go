package periodic

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// runList is an intrusive list of runs; the scheduler's mu guards it.
type runList struct{ head *runBase }

// add puts r first.
func (l *runList) add(r *runBase) {
	r.before, r.next = nil, l.head
	if l.head != nil {
		l.head.before = r
	}
	l.head = r
}

// remove takes r out.
func (l *runList) remove(r *runBase) {
	if r.before != nil {
		r.before.next = r.next
	} else if l.head == r {
		l.head = r.next
	}
	if r.next != nil {
		r.next.before = r.before
	}
	r.before, r.next = nil, nil
}

// runKey is the context key under which a run's context finds itself.
type runKey struct{}

// runBase is the context of one run, and the part of a run the scheduler
// handles without knowing its type.
type runBase struct {
	parent     context.Context // values; for Backfill also cancellation
	parentDone <-chan struct{} // parent.Done(), nil when it cannot end
	stopParent func() bool     // stops watching parentDone
	s          *Scheduler
	tick       time.Time
	ticked     bool // started by a tick, not RunNow
	attempt    atomic.Int32
	timedOut   atomic.Bool
	deadline   entry    // the run's timeout in the heap, if any
	prev       any      // the job's previous run's *Future[T], for Previous
	before     *runBase // neighbours in the scheduler's runList
	next       *runBase
	afters     afterFuncs // of derived contexts; see runpolicy.go
}

// Value returns the run itself for runKey, and defers to the parent for
// other keys.
func (r *runBase) Value(key any) any {
	if key == (runKey{}) {
		return r
	}
	return r.parent.Value(key)
}

// Done returns a channel closed when the run's context ends: the run was
// cancelled, timed out, returned, or its parent ended.
func (r *runBase) Done() <-chan struct{} {
	a := &r.afters
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done == nil {
		if a.ended {
			return closedChan
		}
		a.done = make(chan struct{})
	}
	return a.done
}

// Err returns nil while the run's context lasts, then
// context.DeadlineExceeded if its timeout ended it, the parent's error if
// the parent did, else context.Canceled.
func (r *runBase) Err() error {
	a := &r.afters
	a.mu.Lock()
	ended := a.ended
	a.mu.Unlock()
	select {
	case <-r.parentDone:
		if !r.timedOut.Load() {
			return r.parent.Err()
		}
	default:
	}
	switch {
	case !ended:
		return nil
	case r.timedOut.Load():
		return context.DeadlineExceeded
	}
	return context.Canceled
}

// Deadline returns the end of the run's timeout, if it has one.
func (r *runBase) Deadline() (time.Time, bool) {
	if r.deadline.ev == nil {
		return time.Time{}, false
	}
	return r.deadline.when, true
}

// cancel ends the run's context and stops watching its parent.
func (r *runBase) cancel() {
	r.afters.end()
	if r.stopParent != nil {
		r.stopParent()
	}
}

// fire ends the run's context when its timeout passes.
func (r *runBase) fire(_ *entry, _ time.Time) {
	r.timedOut.Store(true)
	r.cancel()
}

// runOf returns the run that ctx belongs to, or nil.
func runOf(ctx context.Context) *runBase {
	r, _ := ctx.Value(runKey{}).(*runBase)
	return r
}

// schedulerOf returns the scheduler of the run ctx belongs to, or nil.
func schedulerOf(ctx context.Context) *Scheduler {
	if r := runOf(ctx); r != nil {
		return r.s
	}
	return nil
}

// TickFrom returns the scheduled tick of the run that ctx belongs to: the
// instant the trigger named, not the moment the run started, or the time
// RunNow was called. It returns the zero time outside a run.
func TickFrom(ctx context.Context) time.Time {
	if r := runOf(ctx); r != nil {
		return r.tick
	}
	return time.Time{}
}

// Attempt returns the attempt number (1 for the first) of the run that ctx
// belongs to, for jobs with WithRetry. It returns 0 outside a run.
func Attempt(ctx context.Context) int {
	if r := runOf(ctx); r != nil {
		return int(r.attempt.Load())
	}
	return 0
}

// run is one run of a job.
type run[T any] struct {
	runBase
	fut Future[T]
	job *Job[T]
}

// newRun returns a pending run of j for tick.
func newRun[T any](j *Job[T], tick time.Time, ticked bool) *run[T] {
	return newRunIn(context.Background(), j, tick, ticked)
}

// newRunIn returns a pending run whose context is derived from parent.
func newRunIn[T any](parent context.Context, j *Job[T], tick time.Time, ticked bool) *run[T] {
	r := &run[T]{job: j}
	r.parent, r.s, r.tick, r.ticked = parent, j.s, tick, ticked
	if r.parentDone = parent.Done(); r.parentDone != nil {
		r.stopParent = context.AfterFunc(parent, r.cancel)
	}
	r.deadline.index = -1
	r.fut.cancel, r.fut.owner = r, j.s
	return r
}

// cancelFuture is Cancel on the run's future: it ends the run's context
// and, if the run waits for a slot, withdraws it.
func (r *run[T]) cancelFuture() {
	r.cancel()
	r.withdraw()
}

// startLocked starts the run's goroutine.
func (r *run[T]) startLocked() {
	s, l := r.s, r.job.l()
	s.busy++
	s.live++
	s.inflight++
	s.running.add(&r.runBase)
	l.active = append(l.active, r)
	if l.last != nil {
		r.prev = l.last
	}
	l.last = &r.fut
	l.stats.InFlight++
	go r.exec()
}

// refuse settles a run that never started.
func (r *run[T]) refuse(err error) {
	r.cancel()
	r.fut.settle(*new(T), err)
}

// exec is the run's goroutine.
func (r *run[T]) exec() {
	s, j := r.s, r.job
	r.waitJitter()
	start := s.Now()
	j.notifyRun(r.tick, &r.fut)
	r.reportStart(start)
	v, err := r.perform()
	r.cancel()
	err = r.timeoutErr(err)
	r.fut.settle(v, err)
	took := s.cfg.clock.Now().Sub(start)
	r.reportEnd(start, took, err)
	s.finish(&r.runBase, j, start, took, r.fut.Err())
}

// reportStart reports the run's start. It and reportEnd keep the events
// off exec's frame: the job's function and the run's bookkeeping run
// below exec, on a goroutine that starts with a small stack, and a deep
// frame there makes every run copy its stack to grow it.
//
//go:noinline
func (r *run[T]) reportStart(start time.Time) {
	r.s.report(&Event{Kind: EventStart, Job: r.job.name, Tick: r.tick, Start: start})
}

// reportEnd reports the run's end.
//
//go:noinline
func (r *run[T]) reportEnd(start time.Time, took time.Duration, err error) {
	s, j := r.s, r.job
	if pe := asPanic(err); pe != nil {
		s.report(&Event{Kind: EventPanic, Job: j.name, Tick: r.tick, Start: start, Duration: took, Err: pe})
	}
	s.report(&Event{Kind: EventFinish, Job: j.name, Tick: r.tick, Start: start, Duration: took,
		Attempt: int(r.attempt.Load()), Err: r.fut.Err()})
}

// perform claims the tick and calls the job's function, retrying as
// configured, unless the run was cancelled before it started.
func (r *run[T]) perform() (T, error) {
	var zero T
	j, s := r.job, r.s
	if err := r.Err(); err != nil {
		return zero, err
	}
	if r.ticked && j.stored() { // store_run.go
		return r.performStored()
	}
	if s.cfg.locker != nil && r.ticked {
		return r.performClaimed()
	}
	if j.cfg.timeout > 0 {
		s.armTimeout(&r.runBase, j.cfg.timeout)
	}
	return retry(r, j.cfg.retry, j.fn)
}

// performClaimed is perform for a tick that must be claimed first; it is
// apart so that perform's frame stays small (see reportStart).
//
//go:noinline
func (r *run[T]) performClaimed() (T, error) {
	var zero T
	j, s := r.job, r.s
	lease, err := s.cfg.locker.Claim(r, j.name, r.tick)
	if err != nil {
		return zero, fmt.Errorf("periodic: job %q tick %s: %w", j.name, r.tick.Format(time.RFC3339Nano), err)
	}
	defer func() {
		if err := lease.Release(context.WithoutCancel(r)); err != nil {
			s.cfg.log.Warn("periodic: releasing a claim failed", "job", j.name, "tick", r.tick, "error", err)
		}
	}()
	if j.cfg.timeout > 0 {
		s.armTimeout(&r.runBase, j.cfg.timeout)
	}
	return retry(r, j.cfg.retry, j.fn)
}

// armTimeout puts the run's timeout in the heap.
func (s *Scheduler) armTimeout(r *runBase, d time.Duration) {
	s.mu.Lock()
	r.deadline.ev = r
	s.pushLocked(&r.deadline, s.cfg.clock.Now().Add(d))
	s.mu.Unlock()
}

// finish accounts for a run that returned, and starts what waited for it.
func (s *Scheduler) finish(r *runBase, j jobHandle, start time.Time, took time.Duration, err error) {
	s.mu.Lock()
	s.heap.remove(&r.deadline)
	s.running.remove(r)
	s.busy--
	s.live--
	s.inflight--
	next := j.doneLocked(r, start, took, err)
	s.grantSlotsLocked()
	refused := next != nil && !s.admitLocked(next)
	s.checkDoneLocked()
	s.notifyLocked()
	s.mu.Unlock()
	if refused {
		next.refuse(fmt.Errorf("%w: a run already waits for a concurrency slot", ErrSkipped))
	}
}

// grantSlotsLocked starts runs waiting for a concurrency slot.
func (s *Scheduler) grantSlotsLocked() {
	for len(s.slots) > 0 && s.inflight < s.cfg.maxRuns {
		r := s.slots[0]
		s.slots = s.slots[1:]
		r.slotGranted()
		r.startLocked()
	}
}

// admitLocked starts r, or makes it wait for a concurrency slot.
func (s *Scheduler) admitLocked(r starter) bool {
	if s.cfg.maxRuns == 0 || s.inflight < s.cfg.maxRuns {
		r.startLocked()
		return true
	}
	if !r.waitSlot() {
		return false
	}
	s.slots = append(s.slots, r)
	return true
}

// starter is a run waiting to start, seen without its type.
type starter interface {
	startLocked()
	refuse(err error)
	waitSlot() bool
	slotGranted()
}

// waitSlot records that the run waits for a slot; false when its job
// already has one waiting.
func (r *run[T]) waitSlot() bool {
	if r.job.l().slotWait != nil {
		return false
	}
	r.job.l().slotWait = r
	return true
}

// slotGranted clears the job's waiting run.
func (r *run[T]) slotGranted() {
	if r.job.l().slotWait == r {
		r.job.l().slotWait = nil
	}
}
