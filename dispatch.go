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
	if d.t != nil && s.reuseTimer {
		d.t.Reset(wait)
		return d.t.C, nextWait
	}
	d.stop() // a mock's timer is replaced, so that no stale tick blocks it
	d.t = s.cfg.clock.Timer(wait)
	if !when.After(s.cfg.clock.Now()) { // the mock moved meanwhile: its timer may never fire
		return nil, nextDue
	}
	return d.t.C, nextWait
}

// loop is the dispatcher: it releases due deadlines and sleeps on one
// clock timer until the earliest of the others (dispatch.go).
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
		batch, _ = s.releaseBatch(batch)
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
	s.loopOn = false
	s.checkDoneLocked() // closes done if it stops: no dispatcher is left
	s.ensureLoopLocked()
	s.notifyLocked()
}
