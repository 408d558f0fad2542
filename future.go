package periodic

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// A future's state. Settling moves a future from pending to one of the
// other three, once.
const (
	statePending uint32 = iota
	stateSucceeded
	stateFailed
	stateCancelled
)

// closedChan is returned by Done for futures settled before anybody asked.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Future is the eventual result of an asynchronous computation: a run of a
// job, a function started with Go, or a Promise. It is modelled after
// asyncio.Future.
//
// A future is pending until it settles, exactly once, as succeeded (a
// value), failed (an error) or cancelled. Done returns a channel closed when
// it settles; Result and Err read the outcome without blocking; Await
// blocks until it settles or a context ends; OnDone registers callbacks
// that run after it settles; Cancel asks it to stop.
//
// All methods are safe for use by several goroutines. The zero Future is
// not usable: futures come from Go, Schedule's jobs, NewPromise and the
// combinators.
type Future[T any] struct {
	// state is written under mu and read without it: once it is not
	// pending, val and err are final.
	state atomic.Uint32

	// mu guards the fields below while the future is pending, and w's
	// fields at all times.
	// Lock order: a Future's mu, then a Scheduler's mu; never the reverse.
	mu   sync.Mutex
	val  T
	err  error
	done chan struct{} // made on the first call of Done while pending
	// w holds the callbacks and listeners registered on the future; nil
	// until the first of them, so that a future nobody reads that way
	// (most runs) carries one pointer for them.
	w         *waiters[T]
	cancelReq bool // Cancel was called while pending
	// cancelWins makes a requested cancel decide the outcome: once Cancel
	// has been called, the future settles as cancelled whatever it is
	// settled with (asyncio's gather). Set before the future is shared.
	cancelWins bool

	// cancel asks the producer to stop; nil for promise-like futures,
	// which settle as cancelled at once instead.
	cancel canceller
	// owner is the scheduler that tracks the future's goroutines, or nil.
	owner *Scheduler
	// origin is the place in owner's order of the task the future belongs
	// to (for a combinator, its first such input), or nil; see order.go.
	origin *origin
}

// waiters is the part of a future made for its callbacks and listeners;
// the future's mu guards it.
type waiters[T any] struct {
	cbs       []*callback[T] // user callbacks not yet run, in order
	draining  bool           // a goroutine is running cbs, or will
	listeners []*listener    // internal, run inline once settled
	// first and one hold the first OnDone registration and its place in
	// cbs, so that a future read by one callback allocates only w.
	first callback[T]
	one   [1]*callback[T]
}

// waitersLocked returns f.w, made if need be; f.mu is held.
func (f *Future[T]) waitersLocked() *waiters[T] {
	if f.w == nil {
		f.w = &waiters[T]{}
	}
	return f.w
}

// Done returns a channel that is closed when the future settles. Successive
// calls may return different channels, all closed once it has settled.
func (f *Future[T]) Done() <-chan struct{} {
	if f.state.Load() != statePending {
		return closedChan
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.state.Load() != statePending {
		return closedChan
	}
	if f.done == nil {
		f.done = make(chan struct{})
	}
	return f.done
}

// Result returns the future's value and error without blocking, like
// asyncio's result(). On a pending future it returns an error wrapping
// ErrInvalidState; on a cancelled one, ErrCancelled; on a failed one, the
// error it failed with.
func (f *Future[T]) Result() (T, error) {
	switch f.state.Load() {
	case statePending:
		var zero T
		return zero, fmt.Errorf("%w: the future is still pending", ErrInvalidState)
	case stateCancelled:
		var zero T
		return zero, ErrCancelled
	}
	return f.val, f.err
}

// Err returns the future's error without blocking, like asyncio's
// exception(): nil after success, ErrCancelled after cancellation, and an
// error wrapping ErrInvalidState while pending.
func (f *Future[T]) Err() error {
	_, err := f.Result()
	return err
}

// Await blocks until the future settles and returns its Result, or until
// ctx ends and returns ctx.Err() without touching the future. Inside a run
// of a scheduler, the run counts as idle while it waits. A nil ctx is an
// error wrapping ErrInvalid.
func (f *Future[T]) Await(ctx context.Context) (T, error) {
	if err := waitFor(ctx, f.Done()); err != nil {
		var zero T
		return zero, err
	}
	return f.Result()
}

// Cancelled reports whether the future settled as cancelled.
func (f *Future[T]) Cancelled() bool { return f.state.Load() == stateCancelled }

// Cancel asks the future to stop and reports whether it was still pending.
//
// A promise's future, and a combinator's that has nothing to cancel,
// settles as cancelled at once. A run's or Go's future cancels the
// function's context; it settles when the function returns, as cancelled
// if the function returned an error that is context.Canceled, otherwise
// with whatever it returned, so that Done means the goroutine has
// finished. Cancel does not block and may be called any number of times.
func (f *Future[T]) Cancel() bool {
	f.mu.Lock()
	if f.state.Load() != statePending {
		f.mu.Unlock()
		return false
	}
	f.cancelReq = true
	cancel := f.cancel
	f.mu.Unlock()
	if cancel == nil {
		f.settle(*new(T), ErrCancelled)
		return true
	}
	cancel.cancelFuture()
	return true
}

// canceller is what Cancel asks to stop a future's producer. A run
// implements it itself, which spares a closure per run.
type canceller interface{ cancelFuture() }

// cancelFunc makes a function a canceller.
type cancelFunc func()

// cancelFuture calls the function.
func (f cancelFunc) cancelFuture() { f() }

// settle records the outcome once and reports whether it did. An error that
// is context.Canceled settles the future as cancelled. The callbacks run
// on a goroutine of their own (see settleOwn for the producer's).
func (f *Future[T]) settle(v T, err error) bool {
	settled, drain := f.record(v, err)
	if drain {
		f.startDrain()
	}
	return settled
}

// settleOwn is settle for the producer's own goroutine, one that holds a
// token of f.owner (a run's, a Go task's): it reports whether callbacks
// wait, and then the caller must call drain, on the same goroutine, after
// its own work and before it gives its token back. So the callbacks
// registered before settling run after the settling call (asyncio's
// call_soon), start no goroutine, and Shutdown waits for them as for the
// run. It reports false if f had already settled.
func (f *Future[T]) settleOwn(v T, err error) (drain bool) {
	_, drain = f.record(v, err)
	return drain
}

// record settles f, runs its listeners, and reports whether it did and
// whether callbacks wait to be drained (w.draining is then set).
func (f *Future[T]) record(v T, err error) (settled, drain bool) {
	f.mu.Lock()
	if f.state.Load() != statePending {
		f.mu.Unlock()
		return false, false
	}
	switch {
	case f.cancelReq && f.cancelWins:
		f.err = ErrCancelled
		f.state.Store(stateCancelled)
	case err == nil:
		f.val = v
		f.state.Store(stateSucceeded)
	case isCancel(err):
		f.err = ErrCancelled
		f.state.Store(stateCancelled)
	default:
		f.val, f.err = v, err
		f.state.Store(stateFailed)
	}
	if f.done != nil {
		close(f.done)
	}
	w := f.w
	if w == nil {
		f.mu.Unlock()
		return true, false
	}
	listeners := w.listeners
	w.listeners = nil
	drain = len(w.cbs) > 0
	w.draining = drain
	f.mu.Unlock()
	for _, l := range listeners {
		l.fn()
	}
	return true, drain
}

// Promise is the producer side of a future: the code that computes a value
// resolves or rejects the promise, and consumers hold its Future. It is
// safe for use by several goroutines; the zero value is not usable.
type Promise[T any] struct{ f Future[T] }

// NewPromise returns a promise with a pending future.
func NewPromise[T any]() *Promise[T] { return &Promise[T]{} }

// Future returns the promise's future. Cancelling it settles it at once.
func (p *Promise[T]) Future() *Future[T] { return &p.f }

// Resolve settles the future with v. It returns an error wrapping
// ErrInvalidState if the future has already settled.
func (p *Promise[T]) Resolve(v T) error {
	if !p.f.settle(v, nil) {
		return fmt.Errorf("%w: Resolve on a settled future", ErrInvalidState)
	}
	return nil
}

// Reject settles the future with err; an err that is context.Canceled
// settles it as cancelled. It returns an error wrapping ErrInvalid for a
// nil err, and one wrapping ErrInvalidState if the future has already
// settled.
func (p *Promise[T]) Reject(err error) error {
	if err == nil {
		return fmt.Errorf("%w: Reject(nil): a rejection needs an error", ErrInvalid)
	}
	if !p.f.settle(*new(T), err) {
		return fmt.Errorf("%w: Reject on a settled future", ErrInvalidState)
	}
	return nil
}
