package periodic

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// waiter is a goroutine of the scheduler blocked in Sleep, Await or a
// combinator. It counts as idle until one of its channels is ready.
type waiter struct {
	ch     <-chan struct{}
	done   <-chan struct{} // its context's Done; may be nil
	parent <-chan struct{} // its run's parent's Done, which ends the run; may be nil
	r      *runBase        // the run whose context it waits with; named by ErrStalled
	until  time.Time       // a Sleep's deadline; zero for Await and combinators
	by     *origin         // the run or Go task that waits
}

// ready reports whether the waiter is about to wake.
func (w *waiter) ready() bool {
	select {
	case <-w.ch:
		return true
	case <-w.done:
		return true
	case <-w.parent:
		return true
	default:
		return false
	}
}

// block counts the calling goroutine as blocked on ch.
func (s *Scheduler) block(ctx context.Context, r *runBase, ch <-chan struct{}) *waiter {
	w := &waiter{ch: ch, done: ctx.Done(), parent: r.parentDone(), r: r, by: originOf(ctx)}
	s.mu.Lock()
	s.blockLocked(w)
	s.mu.Unlock()
	return w
}

// blockLocked is block with s.mu held. The books count, per run, its
// tokens T (its own goroutine and its Go tasks) and its goroutines blocked
// W; the run adds T - min(W, T) to busy. More waiters than tokens means a
// goroutine the scheduler does not own waits with the run's context: it
// is said once, and the books stay within [0, T] instead of going
// negative.
func (s *Scheduler) blockLocked(w *waiter) {
	s.waiters[w] = struct{}{}
	s.rebookLocked(w.r, 0, 1)
	if t, b := w.r.booksRead(); b > t && !s.misused {
		s.misused = true
		s.cfg.log.Error("periodic: a goroutine the scheduler does not own waits with a run's context; " +
			"start helper goroutines with periodic.Go, or WaitIdle and periodictest cannot see them")
	}
	s.notifyLocked()
}

// unblock counts the goroutine as running again.
func (s *Scheduler) unblock(w *waiter) {
	s.mu.Lock()
	s.unblockLocked(w)
	s.mu.Unlock()
}

// unblockLocked is unblock with s.mu held.
func (s *Scheduler) unblockLocked(w *waiter) {
	delete(s.waiters, w)
	s.rebookLocked(w.r, 0, -1)
	s.notifyLocked()
}

// rebookLocked changes run r's tokens by dt and blocked goroutines by dw,
// and busy by the change in what r adds to it: T - min(W, T).
func (s *Scheduler) rebookLocked(r *runBase, dt, dw int) {
	if r == nil { // a waiter of no run: itself one token
		s.busy.Add(int64(-dw))
		return
	}
	s.busy.Add(int64(r.books.change(dt, dw)))
}

// runBooks packs a run's tokens T (high 32 bits) and its goroutines
// blocked W (low 32 bits) in one word, so that the run's goroutine can give
// its token back without s.mu (releaseRun).
type runBooks struct{ atomic.Uint64 }

// change adds dt to T and dw to W, and returns the change in what the run
// adds to busy, T - min(W, T).
func (b *runBooks) change(dt, dw int) int {
	for {
		old := b.Load()
		t, w := int(old>>32), int(uint32(old))
		nt, nw := t+dt, w+dw
		if b.CompareAndSwap(old, uint64(nt)<<32|uint64(uint32(nw))) {
			return nt - min(nw, nt) - (t - min(w, t))
		}
	}
}

// read returns T and W.
func (b *runBooks) read() (tokens, blocked int) {
	v := b.Load()
	return int(v >> 32), int(uint32(v))
}

// waitFor blocks until ch is ready or ctx ends, preferring ch when both
// are. Inside a run, the goroutine counts as idle while it waits.
func waitFor(ctx context.Context, ch <-chan struct{}) error {
	if ctx == nil {
		return errNilContext
	}
	select {
	case <-ch:
		return nil
	default:
	}
	var w *waiter
	r := runOf(ctx)
	if r != nil {
		w = r.s.block(ctx, r, ch)
		defer r.s.unblock(w)
	}
	return waitForBlocked(ctx, ch)
}

// errNilContext is the error of a wait given a nil context.
var errNilContext = fmt.Errorf("%w: nil context", ErrInvalid)

// notifyLocked wakes the goroutines waiting in WaitIdle.
func (s *Scheduler) notifyLocked() {
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

// idleLocked reports whether every goroutine of the scheduler is blocked
// and none of them is about to wake.
func (s *Scheduler) idleLocked() bool {
	if s.busy.Load() > 0 {
		return false
	}
	for w := range s.waiters {
		if w.ready() {
			return false
		}
	}
	return true
}

// WaitIdle blocks until the scheduler is idle, or ctx ends (then it
// returns ctx.Err()). Idle means every run that became due has started, or
// waits for a slot (WithMaxConcurrency) or its turn (OverlapQueue), and
// every goroutine of the scheduler (runs, their Go helpers, OnDone
// callbacks of its futures) has returned or is blocked in Sleep, or in
// Await or a combinator on a future, with nothing about to wake it.
//
// When periodictest drives the scheduler, WaitIdle also releases the
// deadlines that are due at the clock's current time, one at a time in the
// order of one instant (see the package documentation), waiting until
// idle after each. Tests usually call
// periodictest.Advance, which moves the clock and calls WaitIdle.
//
// Called from a goroutine of the scheduler, which would wait for itself,
// WaitIdle returns an error wrapping ErrInvalid at once; so does a nil ctx.
func (s *Scheduler) WaitIdle(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("%w: WaitIdle: nil context", ErrInvalid)
	}
	if s.calledFromInside(ctx) {
		return fmt.Errorf("%w: WaitIdle called from a goroutine of the scheduler, which would wait for itself", ErrInvalid)
	}
	s.watched.Store(true) // before reading the books: see releaseRun
	for {
		s.mu.Lock()
		idle := s.idleLocked()
		if idle && s.releaseDueLocked() { // one deadline at a time, each from idle
			continue
		}
		if idle && (s.stopped || s.nothingDueLocked()) {
			s.mu.Unlock()
			return nil
		}
		if err := s.awaitChangeLocked(ctx); err != nil {
			return err
		}
	}
}

// awaitChangeLocked releases s.mu, held on entry, and waits for the next
// change of the idle books or for the end of ctx (then ctx.Err()).
func (s *Scheduler) awaitChangeLocked(ctx context.Context) error {
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	ch := s.changed
	s.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// releaseDueLocked fires the earliest deadline if it is due and the
// scheduler is driven by periodictest, and reports whether it did; the
// caller has seen the scheduler idle in the same critical section. It
// returns with s.mu released if it fired, held if not. The release holds
// the releaser's token.
func (s *Scheduler) releaseDueLocked() bool {
	e := s.heap.peek()
	if e == nil || !(s.drivenNow || s.driven) || s.stopped || e.when.After(s.cfg.clock.Now()) {
		return false
	}
	e = s.popLocked() // the entry peek named: with the root's slot empty, pop fills it first
	s.live.Add(1)
	s.busy.Add(1)
	s.mu.Unlock()
	s.releaseDue(e)
	return true
}

// releaseDue fires e on the caller's goroutine, then gives back the
// releaser's token.
func (s *Scheduler) releaseDue(e *entry) {
	e.ev.fire(e, s.Now())
	s.release()
}

// nothingDueLocked reports whether no deadline is due at the clock's
// current time.
func (s *Scheduler) nothingDueLocked() bool {
	e := s.heap.peek()
	return e == nil || e.when.After(s.cfg.clock.Now())
}
