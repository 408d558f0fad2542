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
	e := s.heap.pop() // its slot stays empty for the next push (heap.go)
	e.index = held
	return e
}

// releaseBatch fires, in order, the deadlines due now (up to a bound), and
// reports whether there were any. It is the dispatcher's path; a driven
// scheduler releases one deadline at a time instead, through WaitIdle.
// The batch holds a token, so that Shutdown cannot complete in its middle.
//
// keep is set by the real clock's dispatch, which executes the last run
// the batch starts itself (spawn).
func (s *Scheduler) releaseBatch(buf []*entry, keep bool) ([]*entry, bool) {
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
	s.keeping = keep
	s.firing = buf // for takeOver
	s.mu.Unlock()
	now = now.In(s.cfg.loc)
	s.fireGroups(buf, now)
	s.mu.Lock()
	s.firing = nil
	s.releasing = false
	s.keeping = false
	s.releaseLocked()
	s.mu.Unlock()
	clear(buf)
	return buf, true
}

// fireGroup is how many ticks the releaser prepares and then admits under
// one critical section.
const fireGroup = 64

// groupBufs is what the releaser keeps for a group of ticks: their events,
// what was prepared for each, and which need their full fire. It lives on
// the heap, made once (s.groups): as a local it would make fireGroups'
// frame 3 KiB, which a dispatch, on a fresh goroutine each tick, would pay
// a stack copy for.
type groupBufs struct {
	gs    [fireGroup]grouped
	preps [fireGroup]prepared
	slow  [fireGroup]int // indexes in the group
}

// fireGroups fires the popped entries in order: runs of consecutive job
// ticks (grouped) are prepared outside s.mu and admitted under one
// critical section, their goroutines started after it; those that need
// their full fire (misfire, a paused job) get it right after the group.
// Other events fire one by one.
func (s *Scheduler) fireGroups(buf []*entry, now time.Time) {
	b := s.groups
	if b == nil {
		b = new(groupBufs)
		s.groups = b
	}
	for i := 0; i < len(buf); {
		s.startKept() // user code comes next (a trigger, a hook): a kept run does not wait for it
		k := i
		for k < len(buf) && k-i < fireGroup {
			g := buf[k].ev.group()
			if g == nil {
				break
			}
			var ok bool
			if b.preps[k-i], ok = g.prepare(buf[k], now); !ok {
				break
			}
			b.gs[k-i] = g
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
			if !b.gs[x].fireLocked(e, now, b.preps[x], out) {
				b.slow[n] = x
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
		if n > 0 {
			s.startKept()
		}
		cancelAll(out.cancels)
		settle(out.refused)
		clear(out.cancels)
		clear(out.refused)
		out.cancels, out.refused = out.cancels[:0], out.refused[:0]
		for _, x := range b.slow[:n] {
			b.gs[x].fireWith(buf[i+x], now, b.preps[x])
		}
		clear(b.preps[:k-i])
		clear(b.gs[:k-i])
		i = k
	}
}
