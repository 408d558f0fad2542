package periodic

import (
	"time"

	"github.com/benbjohnson/clock"
)

// What the dispatcher does after arming its timer (armNext).
type nextStep uint8

const (
	nextWait   nextStep = iota // wait for the timer, a wake or the stop
	nextDue                    // the earliest deadline is due: release it now
	nextStop                   // the scheduler has stopped: return
	nextDriven                 // periodictest drives the deadlines, for good: wait for the stop only
)

// dispatchTimer is the dispatcher's one clock timer; only the dispatcher
// touches it.
type dispatchTimer struct{ t *clock.Timer }

// stop stops the timer, if one was made.
func (d *dispatchTimer) stop() {
	if d.t != nil {
		d.t.Stop()
	}
}

// armNext looks at the earliest deadline once, after a batch: it is due
// (release it without a timer: a mock's timer set in the past never
// fires), or the timer is armed for it and its channel returned, or there
// is none and the timer is stopped. A tick thus costs one look at the
// heap after its batch, one clock reading and one Reset of the same timer
// on the real clock. Once periodictest drives the scheduler (which it
// never stops doing), the timer is stopped and the dispatcher has nothing
// left to do but end with the scheduler: it no longer wakes up for every
// deadline pushed.
func (s *Scheduler) armNext(d *dispatchTimer) (<-chan time.Time, nextStep) {
	s.mu.Lock()
	next := s.heap.peek()
	driven := s.driven || s.drivenNow
	var when time.Time
	if next != nil {
		when = next.when
	}
	stopped := s.stopped // stop is closed with it, under s.mu
	s.mu.Unlock()
	switch {
	case stopped:
		return nil, nextStop
	case driven:
		d.stop()
		return nil, nextDriven
	case next == nil:
		d.stop()
		return nil, nextWait
	}
	wait := when.Sub(s.cfg.clock.Now())
	if wait <= 0 {
		return nil, nextDue
	}
	d.stop() // a mock's timer is replaced, so that no stale tick blocks it
	d.t = s.cfg.clock.Timer(wait)
	if !when.After(s.cfg.clock.Now()) { // the mock moved meanwhile: its timer may never fire
		return nil, nextDue
	}
	return d.t.C, nextWait
}

// loop is the dispatcher on any clock but the real one: it releases due
// deadlines and sleeps on one clock timer until the earliest of the
// others. A mock's wake-ups are ordered by this goroutine, which tests
// rely on.
func (s *Scheduler) loop() {
	stopped := false
	defer func() {
		if !stopped { // runtime.Goexit in user code on this goroutine (a trigger's Next, a hook)
			s.takeOver()
			return
		}
		close(s.done)
	}()
	var t dispatchTimer
	defer t.stop()
	var batch []*entry
	for {
		batch, _ = s.releaseBatch(batch, false)
		fired, next := s.armNext(&t)
		switch next {
		case nextDue:
			continue
		case nextStop:
			stopped = true
			return
		case nextDriven:
			<-s.stop
			stopped = true
			return
		}
		select {
		case <-fired:
		case <-s.wake:
		case <-s.stop:
			stopped = true
			return
		}
	}
}

// takeOver recovers from user code that called runtime.Goexit on the
// dispatcher, which cannot be stopped from ending its goroutine: the
// entries of its batch it still held go back to the heap (a trigger that
// did it is not asked again, callNext, so its job ends after the tick it
// held), the releaser's token goes back, and a new dispatcher takes over,
// unless the scheduler has stopped meanwhile.
func (s *Scheduler) takeOver() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.log.Error("periodic: user code called runtime.Goexit on the dispatcher; a new dispatcher takes over")
	for _, e := range s.firing {
		if e.index == held {
			e.index = -1
			s.pushLocked(e, e.when)
		}
	}
	s.firing = nil
	if s.releasing { // the releaser's token
		s.releasing = false
		s.busy.Add(-1)
		s.live.Add(-1)
	}
	s.starts, s.deferStarts = s.starts[:0], false
	if r := s.kept; r != nil { // a run the dispatch kept to execute itself
		s.kept = nil
		go r.exec()
	}
	s.keeping = false
	if s.reuseTimer { // the real clock's dispatch
		s.dispatching = false
		if s.stopped {
			s.dispatchDoneLocked()
		} else {
			s.checkDoneLocked() // closes done if it stops now
			s.armLocked()
		}
		s.notifyLocked()
		return
	}
	s.loopOn = false
	s.checkDoneLocked() // closes done if it stops: no dispatcher is left
	s.ensureLoopLocked()
	s.notifyLocked()
}

// On the real clock the dispatcher is the callback of one clock.AfterFunc
// timer (s.timer), armed for the earliest deadline. A dispatch releases
// the due deadlines, arms the timer for the next, and then executes on its
// own goroutine the last run it started: a lone tick costs the goroutine
// the runtime starts for the callback, where a parked dispatcher costs a
// wake-up and a goroutine for the run (BENCHMARKS.md, "One ticking job").
// Every goroutine has an owner: a callback due to run is counted in
// s.fires until it has looked at the scheduler, a dispatch under way is
// s.dispatching, and the run it executes holds its token as any run does;
// Done closes when the scheduler has stopped and none of the three is
// left (dispatchDoneLocked).

// wakeLocked tells the dispatcher that the earliest deadline changed, or
// that periodictest now drives the scheduler.
func (s *Scheduler) wakeLocked() {
	if s.reuseTimer {
		s.armLocked()
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// armLocked arms the real clock's timer for the earliest deadline, or
// stops it when there is none or periodictest drives the scheduler. A
// dispatch under way arms it as it ends; a stopped scheduler arms nothing.
// fires counts the callbacks it schedules: Reset of a timer that had
// fired or was stopped schedules one more (time.Timer.Reset's rule for
// AfterFunc timers), Stop of an armed one takes one back.
func (s *Scheduler) armLocked() {
	if !s.loopOn || s.dispatching || s.stopped {
		return
	}
	e := s.heap.peek()
	if e == nil || s.driven || s.drivenNow {
		if s.timer != nil && s.timer.Stop() {
			s.fires--
		}
		return
	}
	wait := e.when.Sub(s.cfg.clock.Now()) // a past deadline fires at once
	if s.timer == nil {
		s.timer = s.cfg.clock.AfterFunc(wait, s.dispatch)
		s.fires++
		return
	}
	if !s.timer.Reset(wait) {
		s.fires++
	}
}

// dispatch is the real clock's dispatcher, the timer's callback: it
// releases the due deadlines, arms the timer for the next, and executes
// the run the releaser kept. One dispatch runs at a time: a callback that
// finds one under way returns, since that one looks at the heap again
// before it ends.
func (s *Scheduler) dispatch() {
	reserveStack(0) // before the lock: growing a stack is not the lock's business
	s.mu.Lock()
	s.fires--
	if s.dispatching || s.stopped {
		s.dispatchDoneLocked()
		s.mu.Unlock()
		return
	}
	s.dispatching = true
	batch := s.dispatchBuf
	s.dispatchBuf = nil
	s.mu.Unlock()
	finished := false
	defer func() {
		if !finished { // runtime.Goexit in user code on this goroutine (a trigger's Next, a hook)
			s.takeOver()
		}
	}()
	for {
		batch, _ = s.releaseBatch(batch, true)
		s.mu.Lock()
		if e := s.heap.peek(); e != nil && !s.stopped && !s.driven && !s.drivenNow && !e.when.After(s.cfg.clock.Now()) {
			s.mu.Unlock()
			s.startKept() // runs only when the dispatch ends: not after another batch
			continue
		}
		r := s.kept
		s.kept = nil
		s.dispatching = false
		s.dispatchBuf = batch
		s.armLocked()
		s.dispatchDoneLocked()
		s.mu.Unlock()
		finished = true
		if r != nil {
			r.exec() // holds its token: the scheduler does not stop before it returns
		}
		return
	}
}

// dispatchDoneLocked closes Done once the real clock's dispatcher is
// gone: the scheduler has stopped, no dispatch is under way and no
// callback of the timer is still due to look.
func (s *Scheduler) dispatchDoneLocked() {
	if s.reuseTimer && s.stopped && !s.dispatching && s.fires == 0 {
		close(s.done)
	}
}

// startKept starts the run the releaser kept, if any, on its own
// goroutine: more of the batch comes, with user code in it (a trigger's
// Next, an OnMisfire hook), and an admitted run must not wait for that.
// So a dispatch executes a run itself only when it is the last thing the
// batch does.
func (s *Scheduler) startKept() {
	if r := s.kept; r != nil {
		s.kept = nil
		go r.exec()
	}
}

// spawn starts r's goroutine, except during a dispatch's batch: then the
// releaser keeps r for the dispatch to execute when it ends, and starts
// the run it kept before instead.
func (s *Scheduler) spawn(r execer) {
	if !s.keeping {
		go r.exec()
		return
	}
	if s.kept != nil {
		go s.kept.exec()
	}
	s.kept = r
}

// reserveStack grows the stack of a fresh goroutine once, while only a
// few frames are on it: a dispatch runs on the goroutine the timer starts,
// whose 2 KiB do not hold the releaser's frames, and growing the stack in
// their middle copies a dozen frames, each looked up in the function
// tables on a cold cache (BENCHMARKS.md, "One ticking job").
//
//go:noinline
func reserveStack(i int) byte {
	var pad [2560]byte
	return pad[i]
}
