package periodic

import (
	"fmt"
	"slices"
	"sync/atomic"
)

// The combinators build one future out of others, like asyncio's gather,
// shield, wait_for and wait. They react to their inputs through listen,
// inline in the goroutine that settles an input, so they start no
// goroutine of their own. A combinator's future belongs to the scheduler
// of its first input that has one: its OnDone callbacks count as that
// scheduler's goroutines, and Timeout outside a run uses that scheduler's
// clock.

// Outcome is how one future of AllSettled ended: its value and error as
// Result returned them. Err is nil on success, ErrCancelled if the future
// was cancelled, and the future's error if it failed.
type Outcome[T any] struct {
	Value T
	Err   error
}

// Gather returns a future of the values of fs, in input order, like
// asyncio.gather. It succeeds once all of fs have succeeded, and fails
// fast, with the error of the first of fs to fail (or as cancelled, if the
// first to fail was cancelled), without cancelling the others. With no
// futures it has already succeeded with an empty slice.
//
// Cancel on the gathered future cancels each of fs, and the gathered
// future then settles as cancelled, whatever they return, as
// asyncio.gather does since bpo-32684: when the first of them settles
// other than with a value, or once they all have returned values in spite
// of the cancel. Gather does not block and starts no goroutine; like
// every combinator, it is safe to call from several goroutines, on
// futures that others settle meanwhile. A nil future gives a future that has already
// failed with an error wrapping ErrInvalid that names its index.
func Gather[T any](fs ...*Future[T]) *Future[[]T] {
	if err := checkFutures("Gather", fs); err != nil {
		return failed[[]T](err)
	}
	if len(fs) == 0 {
		return resolved([]T{})
	}
	g := &gathering[T]{fs: slices.Clone(fs)}
	g.out = combined[[]T](g.fs)
	g.left.Store(int64(len(fs)))
	for _, f := range g.fs {
		f.listen(func() { g.settled(f) })
	}
	return g.out
}

// gathering is the state of one Gather.
type gathering[T any] struct {
	out  *Future[[]T]
	fs   []*Future[T]
	left atomic.Int64 // inputs not yet settled
}

// settled fails the gathered future if f did not succeed, and resolves it
// once every input has succeeded.
func (g *gathering[T]) settled(f *Future[T]) {
	if _, err := f.Result(); err != nil {
		g.out.settle(nil, err)
		return
	}
	if g.left.Add(-1) > 0 || g.out.state.Load() != statePending {
		return
	}
	vals := make([]T, len(g.fs))
	for i, f := range g.fs {
		vals[i], _ = f.Result()
	}
	g.out.settle(vals, nil)
}

// AllSettled returns a future of the outcomes of fs, in input order, like
// asyncio.gather(..., return_exceptions=True): it waits for all of fs and
// succeeds, whatever they did. With no futures it has already succeeded
// with an empty slice.
//
// Cancel on it cancels each of fs, and it settles as cancelled once they
// all have settled, whatever they returned, as asyncio.gather with
// return_exceptions does: a cancelled AllSettled never succeeds with a
// list of outcomes. AllSettled does not block and starts no goroutine. A
// nil future gives a future that has already failed with an error
// wrapping ErrInvalid that names its index.
func AllSettled[T any](fs ...*Future[T]) *Future[[]Outcome[T]] {
	if err := checkFutures("AllSettled", fs); err != nil {
		return failed[[]Outcome[T]](err)
	}
	if len(fs) == 0 {
		return resolved([]Outcome[T]{})
	}
	a := &settling[T]{fs: slices.Clone(fs)}
	a.out = combined[[]Outcome[T]](a.fs)
	a.left.Store(int64(len(fs)))
	for _, f := range a.fs {
		f.listen(a.settled)
	}
	return a.out
}

// settling is the state of one AllSettled.
type settling[T any] struct {
	out  *Future[[]Outcome[T]]
	fs   []*Future[T]
	left atomic.Int64 // inputs not yet settled
}

// settled resolves the future once every input has settled.
func (a *settling[T]) settled() {
	if a.left.Add(-1) > 0 {
		return
	}
	outs := make([]Outcome[T], len(a.fs))
	for i, f := range a.fs {
		outs[i].Value, outs[i].Err = f.Result()
	}
	a.out.settle(outs, nil)
}

// Shield returns a future that settles as f does, like asyncio.shield,
// except that cancelling it settles it as cancelled at once and leaves f
// running. Cancelling f itself still cancels the shield. Shield does not
// block and starts no goroutine. A nil f gives a future that has already
// failed with an error wrapping ErrInvalid.
func Shield[T any](f *Future[T]) *Future[T] {
	if f == nil {
		return failed[T](fmt.Errorf("%w: Shield: future is nil", ErrInvalid))
	}
	out := &Future[T]{owner: f.owner, origin: f.origin}
	f.listen(func() { out.settle(f.Result()) })
	return out
}

// combined returns a pending future whose Cancel cancels each of fs and
// makes it settle as cancelled, whatever it is settled with later.
func combined[R, T any](fs []*Future[T]) *Future[R] {
	out := &Future[R]{cancelWins: true}
	if f := ownedOf(fs); f != nil {
		out.owner, out.origin = f.owner, f.origin
	}
	out.cancel = cancelFunc(func() {
		for _, f := range fs {
			f.Cancel()
		}
	})
	return out
}

// checkFutures returns an error naming the first nil future of fs.
func checkFutures[T any](name string, fs []*Future[T]) error {
	for i, f := range fs {
		if f == nil {
			return fmt.Errorf("%w: %s: future %d is nil", ErrInvalid, name, i)
		}
	}
	return nil
}

// ownedOf returns the first of fs that has a scheduler, or nil.
func ownedOf[T any](fs []*Future[T]) *Future[T] {
	for _, f := range fs {
		if f.owner != nil {
			return f
		}
	}
	return nil
}

// resolved returns a future that has already succeeded with v.
func resolved[T any](v T) *Future[T] {
	f := &Future[T]{}
	f.settle(v, nil)
	return f
}
