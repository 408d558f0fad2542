package periodic

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
)

// WaitMode says when Wait returns, like asyncio.wait's return_when.
type WaitMode int

const (
	// AllCompleted makes Wait return when every future has settled, like
	// asyncio.ALL_COMPLETED. It is the zero WaitMode.
	AllCompleted WaitMode = iota
	// FirstCompleted makes Wait return when any future has settled, like
	// asyncio.FIRST_COMPLETED.
	FirstCompleted
	// FirstError makes Wait return when any future has failed, or when
	// every future has settled, like asyncio.FIRST_EXCEPTION. A cancelled
	// future does not count as failed.
	FirstError
)

// String returns the mode's name, such as "FirstCompleted".
func (m WaitMode) String() string {
	switch m {
	case AllCompleted:
		return "AllCompleted"
	case FirstCompleted:
		return "FirstCompleted"
	case FirstError:
		return "FirstError"
	}
	return fmt.Sprintf("WaitMode(%d)", int(m))
}

// Wait blocks until the futures fs meet mode, or ctx ends, like
// asyncio.wait. It returns the futures that have settled and those still
// pending, each in input order, and ctx.Err() if ctx ended first. It
// cancels nothing. With no futures it returns at once. Several goroutines
// may wait on the same futures. Inside a run of a scheduler the run counts
// as idle while it waits.
//
// A nil ctx or future, or an unknown mode, is an error wrapping ErrInvalid
// that names it; done and pending are then nil.
func Wait[T any](ctx context.Context, mode WaitMode, fs ...*Future[T]) (done, pending []*Future[T], err error) {
	if err := checkWait(ctx, mode); err != nil {
		return nil, nil, err
	}
	if err := checkFutures("Wait", fs); err != nil {
		return nil, nil, err
	}
	if len(fs) > 0 {
		w := &waiting{mode: mode, left: len(fs), ch: make(chan struct{})}
		stops := make([]func(), len(fs))
		for i, f := range fs {
			stops[i] = f.listen(func() { w.settled(f.state.Load() == stateFailed) })
		}
		err = waitFor(ctx, w.ch)
		stopAll(stops)
	}
	for _, f := range fs {
		if f.state.Load() == statePending {
			pending = append(pending, f)
		} else {
			done = append(done, f)
		}
	}
	return done, pending, err
}

// checkWait reports Wait's bad arguments.
func checkWait(ctx context.Context, mode WaitMode) error {
	switch {
	case ctx == nil:
		return fmt.Errorf("%w: Wait: nil context", ErrInvalid)
	case mode < AllCompleted || mode > FirstError:
		return fmt.Errorf("%w: Wait: unknown mode %v", ErrInvalid, mode)
	}
	return nil
}

// waiting is the state of one Wait.
type waiting struct {
	ch   chan struct{} // closed once the mode is met
	mode WaitMode

	// mu guards left and closed.
	mu     sync.Mutex
	left   int
	closed bool
}

// settled counts one settled future and closes ch once the mode is met.
func (w *waiting) settled(failed bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.left--
	met := w.left == 0 || w.mode == FirstCompleted || w.mode == FirstError && failed
	if met && !w.closed {
		w.closed = true
		close(w.ch)
	}
}

// AsCompleted returns the futures fs in the order they settle, like
// asyncio.as_completed. Ranging over the sequence blocks until the next
// future settles; futures that have already settled come first, in input
// order. Each range over the sequence starts afresh and yields every
// future once, so several goroutines may range over it at once. Inside a
// run of a scheduler the run counts as idle while it waits.
//
// The sequence stops early when it would have to wait and ctx has ended;
// the caller tells this from a complete sequence by checking ctx.Err().
// A nil future is yielded, in its turn, as a future that has already
// failed with an error wrapping ErrInvalid that names its index; a nil ctx
// makes the sequence yield one such failed future and stop.
func AsCompleted[T any](ctx context.Context, fs ...*Future[T]) iter.Seq[*Future[T]] {
	fs = slices.Clone(fs)
	for i, f := range fs {
		if f == nil {
			fs[i] = failed[T](fmt.Errorf("%w: AsCompleted: future %d is nil", ErrInvalid, i))
		}
	}
	return func(yield func(*Future[T]) bool) {
		if ctx == nil {
			yield(failed[T](fmt.Errorf("%w: AsCompleted: nil context", ErrInvalid)))
			return
		}
		q := &completions[T]{}
		stops := make([]func(), len(fs))
		for i, f := range fs {
			stops[i] = f.listen(func() { q.push(f) })
		}
		defer stopAll(stops)
		for range fs {
			f, err := q.pop(ctx)
			if err != nil || !yield(f) {
				return
			}
		}
	}
}

// stopAll removes the listeners that listen registered, once the caller
// has stopped waiting, so that no call leaves one behind on a future that
// is still pending.
func stopAll(stops []func()) {
	for _, stop := range stops {
		stop()
	}
}

// completions is a queue of settled futures for AsCompleted.
type completions[T any] struct {
	// mu guards the fields below.
	mu    sync.Mutex
	ready []*Future[T]
	wake  chan struct{} // made by a waiting pop, closed by the next push
}

// push adds a settled future and wakes a waiting pop.
func (q *completions[T]) push(f *Future[T]) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ready = append(q.ready, f)
	if q.wake != nil {
		close(q.wake)
		q.wake = nil
	}
}

// pop returns the next settled future, waiting for one if need be, or
// ctx.Err() if ctx ends first.
func (q *completions[T]) pop(ctx context.Context) (*Future[T], error) {
	for {
		q.mu.Lock()
		if len(q.ready) > 0 {
			f := q.ready[0]
			q.ready = q.ready[1:]
			q.mu.Unlock()
			return f, nil
		}
		if q.wake == nil {
			q.wake = make(chan struct{})
		}
		ch := q.wake
		q.mu.Unlock()
		if err := waitFor(ctx, ch); err != nil {
			return nil, err
		}
	}
}
