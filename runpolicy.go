package periodic

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// This file holds what WithJitter and WithTimeout add to a run: the delay
// before it starts, and a context whose end reaches the contexts derived
// from it with the run's own error.

// waitJitter delays a tick's run by a random part of its job's jitter,
// drawn from the scheduler's source; RunNow is not delayed. If the run is
// cancelled meanwhile, its context is done and perform returns at once.
func (r *run[T]) waitJitter() {
	if d := r.job.cfg.jitter; d > 0 && r.ticked {
		_ = Sleep(r, randDuration(r.s, d))
	}
}

// timeoutErr turns the error of a run that timed out into one that says so
// and wraps context.DeadlineExceeded. Other errors pass unchanged.
func (r *run[T]) timeoutErr(err error) error {
	if !r.timedOut() || !(isCancel(err) || errors.Is(err, context.DeadlineExceeded)) {
		return err
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		err = context.DeadlineExceeded // never settle a timed-out run as cancelled
	}
	return fmt.Errorf("periodic: job %q: run timed out after %v: %w", r.job.name, r.job.cfg.timeout, err)
}

// afterFuncs are the callbacks that contexts derived from a run register
// through its AfterFunc method. With it the context package cancels them
// with the run's Err, so they too see context.DeadlineExceeded after a
// timeout, and it does so inside the call that ends the run's context, so
// the scheduler's idle accounting sees them end at the same instant.
type afterFuncs struct {
	mu   sync.Mutex    // guards the fields below
	fns  []*func()     // in registration order
	why  uint8         // why the run's context ended (endCancel...); 0 while it lasts
	done chan struct{} // made on the first call of Done
}

// ended returns why the run's context ended, or 0.
func (a *afterFuncs) ended() uint8 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.why
}

// AfterFunc arranges for f to run once the run's context is done, as
// context.AfterFunc does; stop prevents the call and reports whether it
// did. It makes the run's context an afterFuncer for package context. On
// a context that has ended, f runs on a new goroutine of the scheduler
// (never inline: the caller may hold a lock f takes), or on a goroutine of
// no scheduler once the scheduler has stopped.
func (r *runBase) AfterFunc(f func()) (stop func() bool) {
	a := &r.afters
	a.mu.Lock()
	if a.why != 0 {
		a.mu.Unlock()
		if !r.s.goTracked(f) {
			go f() // the scheduler has stopped; as context.AfterFunc would
		}
		return func() bool { return false }
	}
	key := &f
	a.fns = append(a.fns, key)
	a.mu.Unlock()
	return func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		i := slices.Index(a.fns, key)
		if i >= 0 {
			a.fns = slices.Delete(a.fns, i, i+1)
		}
		return i >= 0
	}
}

// end ends the run's context once, for the reason why: it closes Done and
// calls the callbacks.
func (a *afterFuncs) end(why uint8) {
	a.mu.Lock()
	if a.why != 0 {
		a.mu.Unlock()
		return
	}
	fns := a.fns
	a.fns, a.why = nil, why
	if a.done != nil {
		close(a.done)
	}
	a.mu.Unlock()
	for _, f := range fns {
		(*f)()
	}
}
