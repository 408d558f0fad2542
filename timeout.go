package periodic

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"
)

// Timeout returns a future that settles as f does, unless d passes first,
// like asyncio.wait_for. When d passes, Timeout cancels f, waits until f
// has really settled, and then fails with an error wrapping
// context.DeadlineExceeded that names d; if f returned a value (or failed
// with an error other than a cancellation) in spite of the cancel, that
// outcome wins. f settling first stops the timer. Cancel on the returned
// future cancels f, and the returned future then settles as f does.
//
// ctx says who asks, as the running loop does for asyncio.wait_for: the
// timer runs on the clock of the scheduler whose run ctx belongs to, even
// for a future of no scheduler (a Promise's, or Go's outside a run), so
// that periodictest fires it at exactly d of virtual time. Outside a run
// it runs on the clock of the scheduler f belongs to (a run's future, a Go
// future started in a run, or a combinator of those), and for any other
// future on the real clock. Mock and real time thus never mix: a timeout
// asked for in a run is on that run's clock. The end of ctx does not
// cancel f; bound the wait with Await's context. Use TimeoutOn to name
// the clock.
//
// When the scheduler whose clock Timeout would use has stopped (Shutdown
// has returned; ctx is derived from one of its finished runs, say), no
// timer of that clock would ever fire: Timeout returns a future that has
// already failed with an error wrapping ErrClosed, and f is left alone.
//
// A d of zero expires at once: f is cancelled right away unless it has
// already settled. Timeout does not block. A nil ctx or f or a negative d
// gives a future that has already failed with an error wrapping
// ErrInvalid.
func Timeout[T any](ctx context.Context, f *Future[T], d time.Duration) *Future[T] {
	switch {
	case ctx == nil:
		return failed[T](fmt.Errorf("%w: Timeout: nil context", ErrInvalid))
	case f == nil:
		return failed[T](fmt.Errorf("%w: Timeout: future is nil", ErrInvalid))
	}
	s := schedulerOf(ctx)
	if s == nil {
		s = f.owner
	}
	if s == nil {
		return timeoutWith("Timeout", f, d, nil, realAfter)
	}
	if s.hasStopped() { // its clock's deadlines are kept by nobody: the timer would never fire
		return failed[T](wrapf(ErrClosed, "Timeout: the scheduler of its clock has stopped"))
	}
	at := place{by: f.origin} // child zero of f's task: before its own deadlines
	if f.origin == nil {
		if o := originOf(ctx); o != nil {
			at = place{o, o.next()} // a future of no task: in the asker's program order
		}
	}
	return timeoutWith("Timeout", f, d, s, func(d time.Duration, fn func()) func() bool { return s.afterFunc(at, d, fn) })
}

// TimeoutOn is Timeout with its timer on the clock c, for a future of no
// scheduler whose deadline a test or a caller keeps on a clock of its own,
// such as a *clock.Mock. A nil c or f or a negative d gives a future that
// has already failed with an error wrapping ErrInvalid.
func TimeoutOn[T any](c clock.Clock, f *Future[T], d time.Duration) *Future[T] {
	switch {
	case c == nil:
		return failed[T](fmt.Errorf("%w: TimeoutOn: clock is nil", ErrInvalid))
	case f == nil:
		return failed[T](fmt.Errorf("%w: TimeoutOn: future is nil", ErrInvalid))
	}
	return timeoutWith("TimeoutOn", f, d, f.owner, func(d time.Duration, fn func()) func() bool {
		return c.AfterFunc(d, fn).Stop
	})
}

// afterFn calls fn once d has passed, unless stop is called first.
type afterFn func(d time.Duration, fn func()) (stop func() bool)

// realAfter is an afterFn on the real clock.
func realAfter(d time.Duration, fn func()) func() bool { return clock.New().AfterFunc(d, fn).Stop }

// timeoutWith is Timeout with its timer from after; the returned future
// belongs to owner.
func timeoutWith[T any](name string, f *Future[T], d time.Duration, owner *Scheduler, after afterFn) *Future[T] {
	if d < 0 {
		return failed[T](fmt.Errorf("%w: %s(%v): the duration is negative", ErrInvalid, name, d))
	}
	t := &timeout[T]{f: f, d: d}
	t.out = &Future[T]{owner: owner, origin: f.origin, cancel: cancelFunc(t.cancel)}
	if d == 0 {
		t.expire()
	} else {
		t.stop = after(d, t.expire)
	}
	f.listen(t.finish)
	return t.out
}

// timeout is the state of one Timeout.
type timeout[T any] struct {
	f, out  *Future[T]
	d       time.Duration
	stop    func() bool // set before f.listen; nil when d is zero
	expired atomic.Bool // d passed while f was pending
}

// expire cancels f if it is still pending.
func (t *timeout[T]) expire() {
	if t.f.state.Load() != statePending {
		return
	}
	if s := t.out.owner; s != nil && t.f.owner == nil && s.hold() {
		// f's goroutine is none of the scheduler's: until f settles after
		// the cancel, the scheduler is busy, so that periodictest does not
		// move the clock while the run waits for it.
		t.f.listen(s.release)
	}
	t.expired.Store(true)
	t.f.Cancel()
}

// cancel is the returned future's Cancel: it stops the timer, so that the
// outcome is a cancellation, and cancels f.
func (t *timeout[T]) cancel() {
	if t.stop != nil {
		t.stop()
	}
	t.f.Cancel()
}

// finish settles the returned future once f has settled.
func (t *timeout[T]) finish() {
	if t.stop != nil {
		t.stop()
	}
	v, err := t.f.Result()
	if err != nil && isCancel(err) && t.expired.Load() {
		err = fmt.Errorf("periodic: timed out after %v: %w", t.d, context.DeadlineExceeded)
	}
	t.out.settle(v, err)
}
