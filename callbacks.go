package periodic

import (
	"slices"
	"sync/atomic"
)

// OnDone registers fn to be called with the future once it has settled,
// like asyncio's add_done_callback. Callbacks run after Done is closed, one
// at a time in registration order, never inside OnDone itself nor inside
// the call that settled the future. Those registered before the future
// settles all run on one goroutine; a callback added after settling still
// runs, on that goroutine if it is still busy, else on a new one, so at
// most one goroutine per future runs callbacks at any time. For the
// future of a run or of a Go task of a run, that goroutine is the run's
// (the task's) own, once its work is done and before it counts as
// finished: Shutdown, WaitIdle and periodictest wait for the callbacks. A
// panic in a callback is recovered and logged, and the later callbacks
// still run.
//
// The returned stop removes the callback; it reports whether it prevented
// the call, and does not wait for a running callback to return.
func (f *Future[T]) OnDone(fn func(*Future[T])) (stop func() bool) {
	f.mu.Lock()
	w := f.waitersLocked()
	var cb *callback[T]
	if w.first.used {
		cb = &callback[T]{fn: fn, used: true}
	} else {
		cb = &w.first
		cb.fn, cb.used = fn, true
		if w.cbs == nil {
			w.cbs = w.one[:0]
		}
	}
	w.cbs = append(w.cbs, cb)
	start := f.state.Load() != statePending && !w.draining
	if start {
		w.draining = true
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
	used  bool          // the future's mu: registered (for waiters.first)
}

// stop prevents the callback if it has not run yet.
func (c *callback[T]) stop() bool { return c.state.CompareAndSwap(0, 1) }

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

// drain runs callbacks in order until none is left; w.draining is set and
// the calling goroutine is the only one draining. A callback that calls
// runtime.Goexit ends the goroutine: the callbacks after it are handed to
// a new one.
func (f *Future[T]) drain() {
	var rest []*callback[T] // taken from w.cbs, not run yet
	finished := false
	defer func() {
		if !finished {
			f.goexited(rest)
		}
	}()
	for {
		f.mu.Lock()
		w := f.w
		rest, w.cbs = w.cbs, nil
		if len(rest) == 0 {
			w.draining = false
			f.mu.Unlock()
			finished = true
			return
		}
		f.mu.Unlock()
		for len(rest) > 0 {
			cb := rest[0]
			rest = rest[1:]
			if cb.state.CompareAndSwap(0, 2) {
				f.runCallback(cb)
			}
		}
	}
}

// goexited hands the callbacks that a runtime.Goexit in a callback left
// behind to a new goroutine, and logs it; w.draining stays set.
func (f *Future[T]) goexited(rest []*callback[T]) {
	logger(f.owner).Error("periodic: OnDone callback called runtime.Goexit")
	f.mu.Lock()
	w := f.w
	w.cbs = append(rest[:len(rest):len(rest)], w.cbs...)
	f.mu.Unlock()
	f.startDrain()
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

// listen runs fn inline once the future settles: now, if it has. It is for
// the package's own quick, non-blocking reactions, never for user code.
// The returned stop removes fn if it has not run, so that a caller that
// stops waiting (Wait, AsCompleted) leaves nothing behind on the future.
func (f *Future[T]) listen(fn func()) (stop func()) {
	l := &listener{fn: fn}
	f.mu.Lock()
	if f.state.Load() == statePending {
		w := f.waitersLocked()
		w.listeners = append(w.listeners, l)
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
	if w := f.w; w != nil {
		if i := slices.Index(w.listeners, l); i >= 0 {
			w.listeners = slices.Delete(w.listeners, i, i+1)
		}
	}
}
