package periodic

import (
	"runtime"
	"time"
)

// This file holds the releaser's batch: the due deadlines popped under
// s.mu, and their events fired in order, a group of job ticks at a time.

// popLocked takes the earliest entry out of the heap for the releaser, who
// owns it until its event hands it back.
func (s *Scheduler) popLocked() *entry {
	e := s.heap.peek()
	s.heap.remove(e)
	e.index = held
	return e
}

// releaseBatch fires, in order, the deadlines due now (up to a bound), and
// reports whether there were any. It is the dispatcher's path; a driven
// scheduler releases one deadline at a time instead, through WaitIdle.
// The batch holds a token, so that Shutdown cannot complete in its middle.
func (s *Scheduler) releaseBatch(buf []*entry) ([]*entry, bool) {
	const most = 1024
	s.mu.Lock()
	buf = buf[:0]
	now := s.cfg.clock.Now()
	for e := s.heap.peek(); e != nil && !s.stopped && !s.drivenNow && !s.driven && !e.when.After(now) && len(buf) < most; e = s.heap.peek() {
		buf = append(buf, s.popLocked())
	}
	if len(buf) == 0 {
		s.mu.Unlock()
		return buf, false
	}
	s.busy.Add(1) // the releaser's token, until the events have done their work
	s.live.Add(1)
	s.releasing = true
	s.firing = buf // for takeOver
	s.mu.Unlock()
	now = now.In(s.cfg.loc)
	s.fireGroups(buf, now)
	s.mu.Lock()
	s.firing = nil
	s.releasing = false
	s.releaseLocked()
	s.mu.Unlock()
	clear(buf)
	return buf, true
}

// fireGroup is how many ticks the releaser prepares and then admits under
// one critical section.
const fireGroup = 64

// fireGroups fires the popped entries in order: runs of consecutive job
// ticks (grouped) are prepared outside s.mu and admitted under one
// critical section, their goroutines started after it; those that need
// their full fire (misfire, a paused job) get it right after the group.
// Other events fire one by one.
func (s *Scheduler) fireGroups(buf []*entry, now time.Time) {
	var preps [fireGroup]prepared
	var slow [fireGroup]int // indexes in the group
	for i := 0; i < len(buf); {
		k := i
		for k < len(buf) && k-i < fireGroup {
			g, ok := buf[k].ev.(grouped)
			if !ok {
				break
			}
			if preps[k-i], ok = g.prepare(buf[k], now); !ok {
				break
			}
			k++
		}
		if k == i {
			buf[i].ev.fire(buf[i], now)
			i++
			continue
		}
		out := &s.leftover // the releaser's: a local would escape through the interface call
		n := 0
		s.mu.Lock()
		for x, e := range buf[i:k] {
			if !e.ev.(grouped).fireLocked(e, now, preps[x], out) {
				slow[n] = x
				n++
			}
		}
		s.mu.Unlock()
		started := len(s.starts)
		s.startDeferred()
		if started > 1 {
			// Let the group's runs go first: they end by closing their
			// books under s.mu, and would otherwise queue behind the
			// releaser's next critical section (BENCHMARKS.md, "What each
			// change bought"). A lone run needs no such room.
			runtime.Gosched()
		}
		cancelAll(out.cancels)
		settle(out.refused)
		clear(out.cancels)
		clear(out.refused)
		out.cancels, out.refused = out.cancels[:0], out.refused[:0]
		for _, x := range slow[:n] {
			buf[i+x].ev.(grouped).fireWith(buf[i+x], now, preps[x])
		}
		clear(preps[:k-i])
		i = k
	}
}
