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
