package periodic

import (
	"context"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"
)

// Sleep pauses the calling run for d on its scheduler's clock, and returns
// early with ctx.Err() if ctx ends first. With a mock clock driven by
// periodictest, the run wakes at exactly its deadline. Outside a run it
// sleeps on the real clock. On the context of a run whose scheduler has
// stopped (Shutdown has returned; a context derived from a finished run,
// say context.WithoutCancel), nothing keeps its clock's deadlines any
// more: Sleep returns an error wrapping ErrClosed at once, or as the
// scheduler stops. A d of zero or less returns at once. A nil ctx
// is an error wrapping ErrInvalid.
func Sleep(ctx context.Context, d time.Duration) error {
	if ctx == nil {
		return fmt.Errorf("%w: Sleep: nil context", ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	r := runOf(ctx)
	if r == nil {
		return sleepReal(ctx, d)
	}
	s := r.s
	sl := &sleeper{ch: make(chan struct{})}
	sl.ev = sl
	o := originOf(ctx)
	if o != nil {
		sl.at = place{o, o.next()}
	}
	w := &waiter{ch: sl.ch, done: ctx.Done(), parent: r.parentDone(), r: r, by: o}
	s.mu.Lock()
	if s.stopped { // nobody releases the heap any more: the Sleep would never end
		s.mu.Unlock()
		return wrapf(ErrClosed, "Sleep: the run's scheduler has stopped")
	}
	w.until = s.cfg.clock.Now().Add(d)
	s.pushLocked(&sl.entry, w.until)
	s.blockLocked(w)
	s.mu.Unlock()
	err := waitSleep(ctx, sl.ch, s.stop)
	s.mu.Lock()
	s.heap.remove(&sl.entry)
	s.unblockLocked(w)
	s.mu.Unlock()
	return err
}

// sleeper is a Sleep in the heap.
type sleeper struct {
	entry
	at place // the Sleep's place among its task's children
	ch chan struct{}
}

// place returns where the Sleep stands among deadlines of its instant.
func (sl *sleeper) place() place { return sl.at }

// group returns nil: a Sleep's wake-up is fired alone.
func (sl *sleeper) group() grouped { return nil }

// fire wakes the sleeper.
func (sl *sleeper) fire(_ *entry, _ time.Time) { close(sl.ch) }

// sleepReal sleeps on the real clock.
func sleepReal(ctx context.Context, d time.Duration) error {
	t := clock.New().Timer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waitForBlocked waits like waitFor for a goroutine already counted as
// blocked.
func waitForBlocked(ctx context.Context, ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		select {
		case <-ch:
			return nil
		default:
			return ctx.Err()
		}
	}
}

// waitSleep is waitForBlocked for a Sleep, which also ends when its
// scheduler stops (only a goroutine the scheduler does not own can still
// sleep then): nobody would release its deadline.
func waitSleep(ctx context.Context, ch, stop <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-stop:
		select {
		case <-ch:
			return nil
		default:
			return wrapf(ErrClosed, "Sleep: the run's scheduler stopped")
		}
	case <-ctx.Done():
		select {
		case <-ch:
			return nil
		default:
			return ctx.Err()
		}
	}
}

// timer is an afterFunc in the heap.
type timer struct {
	entry
	at place
	s  *Scheduler
	fn func()
}

// place returns where the timer stands among deadlines of its instant.
func (t *timer) place() place { return t.at }

// group returns nil: a timer is fired alone.
func (t *timer) group() grouped { return nil }

// fire runs the timer's function on a goroutine of the scheduler.
func (t *timer) fire(_ *entry, _ time.Time) { t.s.goTracked(t.fn) }

// hasStopped reports whether the scheduler has stopped: nobody releases
// its deadlines any more.
func (s *Scheduler) hasStopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped
}

// afterFunc calls fn on a goroutine of the scheduler once d has passed on
// its clock (on a goroutine of none, at once, if it has stopped); at is its place among deadlines of the same instant. stop
// cancels the call and reports whether it did.
func (s *Scheduler) afterFunc(at place, d time.Duration, fn func()) (stop func() bool) {
	t := &timer{s: s, fn: fn}
	t.ev, t.at = t, at
	s.mu.Lock()
	if s.stopped { // stopped since the caller looked: expire at once rather than never
		s.mu.Unlock()
		go fn()
		return func() bool { return false }
	}
	s.pushLocked(&t.entry, s.cfg.clock.Now().Add(d))
	s.mu.Unlock()
	return func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		if t.index < 0 {
			return false
		}
		s.heap.remove(&t.entry)
		return true
	}
}
