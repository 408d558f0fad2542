package periodic

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// run is one run of a job.
type run[T any] struct {
	runBase
	fut   Future[T]
	job   *Job[T]
	batch *backfill[T] // the Backfill it belongs to, or nil
	prev  *Future[T]   // s.mu: the job's run before it, while it is in flight (Previous)
}

// newRun returns a pending run of j for tick.
func newRun[T any](j *Job[T], tick time.Time, ticked bool) *run[T] {
	return newRunIn(context.Background(), j, tick, ticked)
}

// newRunIn returns a pending run whose context is derived from parent.
// Nothing watches parent here: a Backfill watches its context once for
// all its runs.
func newRunIn[T any](parent context.Context, j *Job[T], tick time.Time, ticked bool) *run[T] {
	r := newRunUnnumbered(parent, j, tick, ticked)
	j.numberRun(&r.origin)
	return r
}

// newRunUnnumbered is newRunIn without the run's place in the order of
// deadlines, which the caller gives it under s.mu (numberRun) before the
// run is placed: the dispatcher makes a tick's run before it takes the
// lock, and numbers it under the lock unless the tick is handed back or
// over WithLimit.
func newRunUnnumbered[T any](parent context.Context, j *Job[T], tick time.Time, ticked bool) *run[T] {
	r := &run[T]{job: j}
	r.parent, r.s, r.tick, r.ticked, r.self = parent, j.s, tick, ticked, r
	if d := parent.Done(); d != nil {
		r.more().parentDone = d
	}
	r.fut.cancel, r.fut.owner, r.fut.origin = r, j.s, &r.origin
	return r
}

// cancelFuture is Cancel on the run's future: it ends the run's context
// and, if the run waits for a slot, withdraws it.
func (r *run[T]) cancelFuture() {
	r.cancel()
	r.withdraw()
}

// refuse settles a run that never started; s.mu is not held.
func (r *run[T]) refuse(err error) {
	if r.rearm { // set under s.mu before the refusal moved it, also under s.mu
		r.job.rearm(r.s.Now())
	}
	r.cancel()
	r.fut.settle(*new(T), err)
	if r.batch != nil {
		r.batch.stopIfDone()
	}
}

// exec is the run's goroutine; it holds the token moveLocked took for it.
// The order is ARCHITECTURE.md's: the context is fixed (timeout armed)
// before user code sees it, the books close before the future settles, and
// the token goes back last.
func (r *run[T]) exec() {
	s, j := r.s, r.job
	if skip, err := r.waitJitter(); err != nil {
		r.dropUnstarted(err, skip)
		return
	}
	if j.conf().timeout > 0 {
		s.armTimeout(&r.runBase, j.conf().timeout)
	}
	start := s.Now()
	returned := false
	defer func() {
		if !returned { // runtime.Goexit in user code on this goroutine: still close the books
			r.finish(start, *new(T), wrapf(ErrGoexit, "job %q tick %s", j.name, r.tick.Format(time.RFC3339Nano)))
		}
	}()
	if len(s.cfg.hooks) > 0 {
		r.withRunContext(j.name, start, r.batch != nil)
	}
	j.notifyRun(r.tick, &r.fut)
	r.reportStart(start)
	v, err := r.perform()
	returned = true
	r.finish(start, v, err)
}

// finish ends a run that returned v, err (or whose function never
// returned): the books close before the future settles, and the token
// goes back last, even if an AfterRun hook calls runtime.Goexit.
func (r *run[T]) finish(start time.Time, v T, err error) {
	s, j := r.s, r.job
	defer s.releaseRun(&r.runBase)
	r.cancel()
	err = r.timeoutErr(err)
	took := s.cfg.clock.Now().Sub(start)
	if j.closeBooks(r, start, took, settledErr(err)) {
		j.rearm(start.Add(took))
	}
	if r.fut.settleOwn(v, err) { // its callbacks run on this goroutine last, before the token goes back
		defer r.fut.drain()
	}
	if r.batch != nil {
		r.batch.stopIfDone()
	}
	r.reportEnd(start, took, err)
}

// settledErr is the error a future settled with err reports.
func settledErr(err error) error {
	if isCancel(err) {
		return ErrCancelled
	}
	return err
}

// reportStart reports the run's start. It and reportEnd keep the events
// off exec's frame: the job's function and the run's bookkeeping run
// below exec, on a goroutine that starts with a small stack, and a deep
// frame there makes every run copy its stack to grow it.
//
//go:noinline
func (r *run[T]) reportStart(start time.Time) {
	if r.s.unheard() { // a start is logged at Debug
		return
	}
	r.s.report(&Event{Kind: EventStart, Job: r.job.name, Tick: r.tick, Start: start, Context: r, Backfill: r.batch != nil})
}

// reportEnd reports the run's end.
//
//go:noinline
func (r *run[T]) reportEnd(start time.Time, took time.Duration, err error) {
	s, j := r.s, r.job
	if err == nil && s.unheard() { // a run that returned nil is logged at Debug
		return
	}
	if pe := asPanic(err); pe != nil {
		s.report(&Event{Kind: EventPanic, Job: j.name, Tick: r.tick, Start: start, Duration: took, Err: pe, Context: r,
			Backfill: r.batch != nil})
	}
	s.report(&Event{Kind: EventFinish, Job: j.name, Tick: r.tick, Start: start, Duration: took,
		Attempt: int(r.attempt.Load()), Err: r.fut.Err(), Context: r, Backfill: r.batch != nil})
}

// perform claims the tick and calls the job's function, retrying as
// configured, unless the run was cancelled before it started.
func (r *run[T]) perform() (T, error) {
	var zero T
	j, s := r.job, r.s
	r.parentEnded()
	if err := r.Err(); err != nil {
		return zero, err
	}
	if r.ticked && j.stored() { // store_run.go
		return r.performStored()
	}
	if s.cfg.locker != nil && r.ticked {
		return r.performClaimed()
	}
	return retry(r, j.conf().retry, j.fn)
}

// performClaimed is perform for a tick that must be claimed first; it is
// apart so that perform's frame stays small (see reportStart).
//
//go:noinline
func (r *run[T]) performClaimed() (T, error) {
	var zero T
	j := r.job
	lease, err := r.claim()
	if err != nil {
		err = claimErr(j.name, r.tick, err)
		if errors.Is(err, ErrStore) { // not a run: its own counter, logged at Error
			j.s.mu.Lock()
			j.l().stats.StoreErrors++
			j.s.mu.Unlock()
		}
		return zero, err
	}
	defer r.releaseLease(lease)
	return retry(r, j.conf().retry, j.fn)
}

// claim calls the Locker, turning a panic or a contract it breaks (no
// lease and no error) into an error.
func (r *run[T]) claim() (lease Lease, err error) {
	defer func() {
		if v := recover(); v != nil {
			lease, err = nil, fmt.Errorf("Locker.Claim panicked: %w", newPanicError(v))
		}
	}()
	lease, err = r.s.cfg.locker.Claim(r, r.job.name, r.tick)
	if lease == nil && err == nil {
		err = fmt.Errorf("%w: Locker.Claim returned no lease and no error", ErrInvalid)
	}
	return lease, err
}

// releaseLease releases a won claim, logging an error or a panic.
func (r *run[T]) releaseLease(lease Lease) {
	defer func() {
		if v := recover(); v != nil {
			r.s.cfg.log.Error("periodic: Lease.Release panicked", "job", r.job.name, "tick", r.tick, "panic", newPanicError(v))
		}
	}()
	if err := lease.Release(context.WithoutCancel(r)); err != nil {
		r.s.cfg.log.Warn("periodic: releasing a claim failed", "job", r.job.name, "tick", r.tick, "error", err)
	}
}

// armTimeout fixes the run's deadline and puts it in the heap, before the
// run's context reaches user code.
func (s *Scheduler) armTimeout(r *runBase, d time.Duration) {
	s.mu.Lock()
	x := r.more()
	x.deadlineAt = s.cfg.clock.Now().Add(d).In(s.cfg.loc)
	x.deadline.ev = r
	s.pushLocked(&x.deadline, x.deadlineAt)
	s.mu.Unlock()
}

// booksRead returns the run's tokens and blocked goroutines; 0, 0 for nil.
func (r *runBase) booksRead() (tokens, blocked int) {
	if r == nil {
		return 0, 0
	}
	return r.books.read()
}

// releaseRun gives back the token of a goroutine of run r (the run's own,
// or a Go task's). It lowers busy and live without s.mu, then takes s.mu
// only if somebody may wait for that: a watcher of the idle books
// (WaitIdle, a driven scheduler) or a Shutdown waiting for the last token.
// The counters are lowered before closed and watched are read, and their
// writers store them before reading the counters, so that either the
// writer sees the new counts or this sees the flag (ARCHITECTURE.md,
// tokens).
func (s *Scheduler) releaseRun(r *runBase) {
	s.busy.Add(int64(r.books.change(-1, 0)))
	n := s.live.Add(-1)
	if !s.watched.Load() && (n > 0 || !s.closed.Load()) {
		return
	}
	s.mu.Lock()
	s.checkDoneLocked()
	s.notifyLocked()
	s.mu.Unlock()
}

// holdTask takes a token for a Go task of run r.
func (s *Scheduler) holdTask(r *runBase) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return false
	}
	s.live.Add(1)
	s.rebookLocked(r, 1, 0)
	return true
}

// releaseTask gives back a Go task's token.
func (s *Scheduler) releaseTask(r *runBase) { s.releaseRun(r) }

// schedulerOf returns the scheduler of the run ctx belongs to, or nil.
func schedulerOf(ctx context.Context) *Scheduler {
	if r := runOf(ctx); r != nil {
		return r.s
	}
	return nil
}
