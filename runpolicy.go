package periodic

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// This file holds what WithJitter and WithTimeout add to a run: the delay
// before it starts, and a context whose end reaches the contexts derived
// from it with the run's own error.

// drawLocked draws, from the scheduler's source, the random numbers the
// run will need, as it starts (under s.mu): a tick's share of its job's
// jitter, and a source of its own for retry jitter. Runs start in an order
// fixed by the program, so a seeded WithRand gives each run the same draws
// on every run of a test, however its goroutine and others interleave.
func (r *run[T]) drawLocked() {
	cfg, src := r.job.conf(), r.s.cfg.rand
	if d := cfg.jitter; d > 0 && r.ticked {
		r.more().jitter = time.Duration(src.Int64N(int64(d)))
	}
	if cfg.retry != nil && cfg.retry.Jitter > 0 {
		r.more().draws = rand.New(rand.NewPCG(src.Uint64(), src.Uint64()))
	}
}

// waitJitter delays a tick's run by the share of its job's jitter drawn
// when it started; RunNow is not delayed. A run in its jitter delay has
// not started: if Remove, Shutdown or Pause came meanwhile (they end its
// context, see stopJitterLocked), it returns whether that is a skip, and
// why the run must not start. If the run is cancelled meanwhile, its
// context is done and perform returns at once.
func (r *run[T]) waitJitter() (skip bool, err error) {
	if r.jitter() <= 0 {
		return false, nil
	}
	_ = Sleep(r, r.jitter())
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r.extra.jitterWait = false
	return r.extra.jitterSkip, r.extra.jitterStop
}

// dropUnstarted ends a run stopped in its jitter delay without starting
// it: its function, BeforeRun and OnRun never run. The books close (a
// skip is counted in Stats.Skips and reported as EventSkip, a refusal is
// not counted) before the future settles, and the token goes back last.
func (r *run[T]) dropUnstarted(err error, skip bool) {
	s, j := r.s, r.job
	s.mu.Lock()
	if skip {
		j.l().stats.Skips++
	}
	j.moveLocked(r, placeFinished)
	s.grantSlotsLocked()
	j.advanceLocked()
	s.notifyLocked()
	s.mu.Unlock()
	r.cancel()
	r.fut.settle(*new(T), err)
	if skip {
		s.report(&Event{Kind: EventSkip, Job: j.name, Tick: r.tick, Start: s.Now(), Err: err})
	}
	s.releaseRun(&r.runBase)
}

// stopJitterLocked tells the job's runs still in their jitter delay not
// to start: with err, or with a skip error when skip. Their contexts end
// (so that the wait ends) after s.mu is released, through settle.
func (j *Job[T]) stopJitterLocked(out []refusal, err error, skip bool) []refusal {
	for _, r := range j.l().active {
		if r.extra == nil || !r.extra.jitterWait || r.extra.jitterStop != nil {
			continue
		}
		r.extra.jitterStop, r.extra.jitterSkip = err, skip
		if skip {
			r.extra.jitterStop = j.skipErr(r.tick, "job paused during its jitter delay")
		}
		out = append(out, refusal{r: wakeJitter{&r.runBase}})
	}
	return out
}

// wakeJitter ends the wait of a run told not to start; its own goroutine
// settles it (dropUnstarted).
type wakeJitter struct{ r *runBase }

func (w wakeJitter) refuse(error)                { w.r.cancel() }
func (w wakeJitter) reportSkip(time.Time, error) {}
func (w wakeJitter) reportRefused()              {} // its own goroutine reports it
func (w wakeJitter) observed() bool              { return false }
func (w wakeJitter) sched() *Scheduler           { return w.r.s }

// timeoutErr turns the error of a run that timed out into one that says so
// and wraps context.DeadlineExceeded. Other errors pass unchanged.
func (r *run[T]) timeoutErr(err error) error {
	if !r.timedOut() || !(isCancel(err) || errors.Is(err, context.DeadlineExceeded)) {
		return err
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		err = context.DeadlineExceeded // never settle a timed-out run as cancelled
	}
	return wrapf(err, "job %q: run timed out after %v", r.job.name, r.job.conf().timeout)
}

// afterFuncs are the callbacks that contexts derived from a run register
// through its AfterFunc method. With it the context package cancels them
// with the run's Err, so they too see context.DeadlineExceeded after a
// timeout, and it does so inside the call that ends the run's context, so
// the scheduler's idle accounting sees them end at the same instant.
type afterFuncs struct {
	mu   sync.Mutex    // guards the fields below
	fns  *[]*func()    // in registration order; nil for none, which is most runs
	why  atomic.Uint32 // why the run's context ended (endCancel...); 0 while it lasts; written under mu, read without it
	done chan struct{} // made on the first call of Done
}

// ended returns why the run's context ended, or 0.
func (a *afterFuncs) ended() uint8 {
	return uint8(a.why.Load())
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
	if a.why.Load() != 0 {
		a.mu.Unlock()
		if !r.s.goTracked(f) {
			go f() // the scheduler has stopped; as context.AfterFunc would
		}
		return func() bool { return false }
	}
	key := &f
	if a.fns == nil {
		a.fns = new([]*func())
	}
	*a.fns = append(*a.fns, key)
	a.mu.Unlock()
	return func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		i := -1
		if a.fns != nil {
			i = slices.Index(*a.fns, key)
		}
		if i >= 0 {
			*a.fns = slices.Delete(*a.fns, i, i+1)
		}
		return i >= 0
	}
}

// end ends the run's context once, for the reason why: it closes Done and
// calls the callbacks.
func (a *afterFuncs) end(why uint8) {
	a.mu.Lock()
	if a.why.Load() != 0 {
		a.mu.Unlock()
		return
	}
	var fns []*func()
	if a.fns != nil {
		fns = *a.fns
	}
	a.fns = nil
	a.why.Store(uint32(why))
	if a.done != nil {
		close(a.done)
	}
	a.mu.Unlock()
	for _, f := range fns {
		(*f)()
	}
}
