package periodic

import (
	"context"
	"fmt"
	"slices"
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

	// mu guards the fields below while the future is pending.
	// Lock order: a Future's mu, then a Scheduler's mu; never the reverse.
	mu        sync.Mutex
	done      chan struct{} // made on the first call of Done
	val       T
	err       error
	cbs       []*callback[T] // user callbacks not yet run
	draining  bool           // a goroutine is running cbs
	listeners []*listener    // internal, run inline once settled
	cancelReq bool           // Cancel was called while pending
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

// OnDone registers fn to be called with the future once it has settled,
// like asyncio's add_done_callback. Callbacks run after Done is closed, one
// at a time in registration order, never inside OnDone itself nor inside
// the call that settled the future. Those registered before the future
// settles all run on one goroutine; a callback added after settling still
// runs, on that goroutine if it is still busy, else on a new one, so at
// most one goroutine per future runs callbacks at any time. A panic in a
// callback is recovered and logged, and the later callbacks still run.
//
// The returned stop removes the callback; it reports whether it prevented
// the call, and does not wait for a running callback to return.
func (f *Future[T]) OnDone(fn func(*Future[T])) (stop func() bool) {
	cb := &callback[T]{fn: fn}
	f.mu.Lock()
	f.cbs = append(f.cbs, cb)
	start := f.state.Load() != statePending && !f.draining
	if start {
		f.draining = true
	}
	f.mu.Unlock()
	if start {
		f.startDrain()
	}
	return cb.stop
}

// callback is one OnDone registration.
type callback[T any] struct {
	fn    func(*Future[T])
	state atomic.Uint32 // 0 waiting, 1 stopped, 2 ran
}

// stop prevents the callback if it has not run yet.
func (c *callback[T]) stop() bool { return c.state.CompareAndSwap(0, 1) }

// settle records the outcome once and reports whether it did. An error that
// is context.Canceled settles the future as cancelled.
func (f *Future[T]) settle(v T, err error) bool {
	f.mu.Lock()
	if f.state.Load() != statePending {
		f.mu.Unlock()
		return false
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
	listeners := f.listeners
	f.listeners = nil
	start := len(f.cbs) > 0
	f.draining = start
	f.mu.Unlock()
	for _, l := range listeners {
		l.fn()
	}
	if start {
		f.startDrain()
	}
	return true
}

// listen runs fn inline once the future settles: now, if it has. It is for
// the package's own quick, non-blocking reactions, never for user code.
// The returned stop removes fn if it has not run, so that a caller that
// stops waiting (Wait, AsCompleted) leaves nothing behind on the future.
func (f *Future[T]) listen(fn func()) (stop func()) {
	l := &listener{fn: fn}
	f.mu.Lock()
	if f.state.Load() == statePending {
		f.listeners = append(f.listeners, l)
		f.mu.Unlock()
		return func() { f.unlisten(l) }
	}
	f.mu.Unlock()
	fn()
	return func() {}
}

// listener is one registration of listen; its address identifies it.
type listener struct{ fn func() }

// unlisten removes l from the listeners of a pending future.
func (f *Future[T]) unlisten(l *listener) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i := slices.Index(f.listeners, l); i >= 0 {
		f.listeners = slices.Delete(f.listeners, i, i+1)
	}
}

// startDrain starts the one goroutine that runs the pending callbacks.
// For a scheduler's future it holds a token of the scheduler, taken before
// the goroutine starts; once the scheduler has stopped, the callbacks run
// on a goroutine of no scheduler.
func (f *Future[T]) startDrain() {
	if f.owner != nil && f.owner.hold() {
		go f.drainOwned()
		return
	}
	go f.drain()
}

// drainOwned is drain on a goroutine of the future's scheduler.
func (f *Future[T]) drainOwned() {
	defer f.owner.release()
	f.drain()
}

// drain runs callbacks in order until none is left.
func (f *Future[T]) drain() {
	for {
		f.mu.Lock()
		cbs := f.cbs
		f.cbs = nil
		if len(cbs) == 0 {
			f.draining = false
			f.mu.Unlock()
			break
		}
		f.mu.Unlock()
		for _, cb := range cbs {
			if cb.state.CompareAndSwap(0, 2) {
				f.runCallback(cb)
			}
		}
	}
}

// runCallback calls one callback, logging a panic instead of spreading it.
func (f *Future[T]) runCallback(cb *callback[T]) {
	defer func() {
		if v := recover(); v != nil {
			logger(f.owner).Error("periodic: OnDone callback panicked", "panic", newPanicError(v))
		}
	}()
	cb.fn(f)
}

// Promise is the producer side of a future: the code that computes a value
// resolves or rejects the promise, and consumers hold its Future. It is
// safe for use by several goroutines; the zero value is not usable.
type Promise[T any] struct{ f *Future[T] }

// NewPromise returns a promise with a pending future.
func NewPromise[T any]() *Promise[T] { return &Promise[T]{f: &Future[T]{}} }

// Future returns the promise's future. Cancelling it settles it at once.
func (p *Promise[T]) Future() *Future[T] { return p.f }

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
