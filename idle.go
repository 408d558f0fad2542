package periodic

import (
	"context"
	"time"
)

// waiter is a goroutine of the scheduler blocked in Sleep, Await or a
// combinator. It counts as idle until one of its channels is ready.
type waiter struct {
	ch     <-chan struct{}
	done   <-chan struct{} // its context's Done; may be nil
	parent <-chan struct{} // its run's parent's Done, which ends the run; may be nil
	run    *runBase        // the run it works for, named by ErrStalled
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
	w := &waiter{ch: ch, done: ctx.Done(), parent: r.parentDone, run: r, by: originOf(ctx)}
	s.mu.Lock()
	s.blockLocked(w)
	s.mu.Unlock()
	return w
}

// blockLocked is block with s.mu held.
func (s *Scheduler) blockLocked(w *waiter) {
	s.waiters[w] = struct{}{}
	s.busy--
	s.notifyLocked()
}

// unblock counts the goroutine as running again.
func (s *Scheduler) unblock(w *waiter) {
	s.mu.Lock()
	delete(s.waiters, w)
	s.busy++
	s.notifyLocked()
	s.mu.Unlock()
}

// waitFor blocks until ch is ready or ctx ends, preferring ch when both
// are. Inside a run, the goroutine counts as idle while it waits.
func waitFor(ctx context.Context, ch <-chan struct{}) error {
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
	if s.busy > 0 {
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
func (s *Scheduler) WaitIdle(ctx context.Context) error {
	for {
		s.mu.Lock()
		idle := s.idleLocked()
		s.mu.Unlock()
		if idle && s.releaseDue() { // one deadline at a time, each from idle
			continue
		}
		s.mu.Lock()
		idle = s.idleLocked()
		if idle && s.nothingDueLocked() {
			s.mu.Unlock()
			return nil
		}
		if idle && (s.drivenNow || s.driven) {
			s.mu.Unlock()
			continue // it became idle since the first look: release
		}
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// nothingDueLocked reports whether no deadline is due at the clock's
// current time.
func (s *Scheduler) nothingDueLocked() bool {
	e := s.heap.peek()
	return e == nil || e.when.After(s.cfg.clock.Now())
}
