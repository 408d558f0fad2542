package periodictest

import (
	"cmp"
	"slices"
	"time"

	"github.com/periodic-go/periodic/internal/drive"
)

// This file holds how a Clock finds and delivers the next expiry of the
// timers made through it; clock.go holds the timers themselves.

// fireNext delivers the earliest expiry, due by limit, of the timers made
// through the clock, and reports whether there was one. It moves the clock
// to that instant first. Expiries of one instant are delivered one per
// call, in the order of one instant (see the type's documentation), so
// that one may stop another.
func (c *Clock) fireNext(limit time.Time) bool {
	c.mu.Lock()
	if limit.Before(c.now) {
		c.mu.Unlock()
		return false
	}
	fired := c.dueLocked(limit)
	if len(fired) == 0 {
		c.mu.Unlock()
		return false
	}
	first := fired[0]
	first.at = maxTime(first.at, c.now)
	c.now = first.at
	if !c.mockAt.Equal(c.now) && (first.h != nil || c.follow) {
		// back from the look ahead, as if the rest had not fired, so that
		// a handle's function counts from its own instant
		c.moveMockLocked(c.now)
	}
	for _, r := range fired[1:] {
		if r.h != nil {
			r.h.Reset(max(r.at.Sub(c.mockAt), 0))
		}
	}
	if first.h == nil {
		c.timers = slices.DeleteFunc(c.timers, func(r *timerRec) bool { return r == first })
	} else {
		// its function may reset it, or others: probe before the next step
		first.known, c.probe = false, true
		c.seq++
		first.seq = c.seq // if reset, it comes after the timers made so far
	}
	at := first.at
	c.mu.Unlock()
	first.deliver(at)
	return true
}

// dueLocked returns the timers that fire first, by limit, in the order of
// one instant; the first of them is the one to deliver. The once timers
// due are read from their records. The handles are looked at only if one
// is known to be due by then, or a Ticker makes the mock follow: the mock
// is moved ahead to the earliest once timer's expiry, or to limit, and the
// handles that fired on the way are collected; a handle known to be due
// that did not fire was stopped, or reset by code the Clock does not see.
func (c *Clock) dueLocked(limit time.Time) []*timerRec {
	if c.probe && !c.follow {
		c.probeLocked()
	}
	var due []*timerRec
	for _, r := range c.timers {
		if r.h == nil && !r.at.After(limit) {
			if len(due) > 0 && r.at.Before(due[0].at) {
				due = due[:0]
			}
			if len(due) == 0 || r.at.Equal(due[0].at) {
				due = append(due, r)
			}
		}
	}
	if len(due) > 0 {
		limit = due[0].at
	}
	look := c.follow
	for _, r := range c.timers {
		look = look || (r.h != nil && r.known && !r.at.After(limit))
	}
	if look {
		c.moveMockLocked(limit) // look ahead: the mock fires what is due by limit
		for _, r := range c.timers {
			if r.h == nil {
				continue
			}
			select {
			case r.at = <-r.fired:
				r.known = true
				due = append(due, r)
			default:
				r.known = r.known && r.at.After(limit)
			}
		}
	}
	slices.SortFunc(due, compareTimers)
	return due
}

// probeLocked learns the expiry of every handle after a handle's function
// ran, which may have reset or stopped any of them: it moves the mock far
// ahead, notes the instant each handle fired at, moves the mock back to
// now and re-arms them.
func (c *Clock) probeLocked() {
	c.probe = false
	c.moveMockLocked(c.now.Add(farAhead))
	var again []*timerRec
	for _, r := range c.timers {
		if r.h == nil {
			continue
		}
		select {
		case r.at = <-r.fired:
			r.known = true
			again = append(again, r)
		default:
			r.known = false
		}
	}
	c.moveMockLocked(c.now)
	for _, r := range again {
		r.h.Reset(max(r.at.Sub(c.now), 0))
	}
	c.stale = c.stale || len(again) > 0
}

// farAhead is how far a probe looks: a handle due later is lost to the
// Clock until its next probe.
const farAhead = 100 * 365 * 24 * time.Hour

// compareTimers orders timers by the instant they fire, then by their
// places in the order of one instant (a placed timer first), then in the
// order they were made or last fired.
func compareTimers(a, b *timerRec) int {
	if x := a.at.Compare(b.at); x != 0 {
		return x
	}
	switch {
	case a.place != nil && b.place != nil:
		if x := drive.ComparePlaces(a.place, b.place); x != 0 {
			return x
		}
	case a.place != nil:
		return -1
	case b.place != nil:
		return 1
	}
	return cmp.Compare(a.seq, b.seq)
}

// maxTime returns the later of a and b.
func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// deliver hands the expiry at over: it calls fn in its own goroutine and
// waits for it to return, or sends at on out if it has room, as the
// channel of a timer does.
func (r *timerRec) deliver(at time.Time) {
	if r.fn != nil {
		done := make(chan struct{})
		go func() {
			defer close(done)
			r.fn()
		}()
		<-done
		return
	}
	select {
	case r.out <- at:
	default:
	}
}
