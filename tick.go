package periodic

import (
	"slices"
	"time"
)

// fire handles the job's tick at e.when, released at now. A tick released
// more than the misfire grace (WithMisfireGrace) late goes to the job's
// Misfire policy; any other tick runs under its Overlap policy. Then the
// next tick goes in the heap, even when it is already due: due ticks are
// released one at a time, in order, so MisfireCatchUp starts its runs in
// tick order, each once the previous has started.
func (j *Job[T]) fire(e *entry, now time.Time) {
	s := j.s
	tick := e.when
	p := plan{run: tick, next: j.next(tick)} // the trigger runs without the lock
	s.mu.Lock()
	if j.state != jobActive || s.closing {
		s.mu.Unlock()
		return
	}
	if now.Sub(tick) > s.cfg.grace && tick.After(j.l().catchUp) {
		s.mu.Unlock()
		p = j.misfire(tick, now)
		j.misfired(tick, now, p)
		s.mu.Lock()
		if j.state != jobActive || s.closing {
			s.mu.Unlock()
			return
		}
	}
	var refused []refusal
	if !p.run.IsZero() {
		refused = j.admitTickLocked(p.run, refused)
	}
	if !p.next.IsZero() && (j.cfg.limit == 0 || j.ticks < j.cfg.limit) {
		s.pushLocked(&j.tick, p.next)
	} else {
		j.state = jobEnded
	}
	s.mu.Unlock()
	j.refuse(refused)
}

// misfired counts and reports the misfire p, before its run starts.
func (j *Job[T]) misfired(tick, now time.Time, p plan) {
	l := j.l()
	s := j.s
	s.mu.Lock()
	l.stats.Misfires += p.missed
	l.stats.Dropped += p.dropped
	if !p.lastLate.IsZero() {
		l.catchUp = p.lastLate
	}
	s.mu.Unlock()
	s.report(&Event{Kind: EventMisfire, Job: j.name, Tick: tick, Missed: p.missed, MissedAtLeast: p.atLeast, Start: now})
}

// plan is what fire does: the tick to run (zero for none) and the next
// tick to put in the heap; for a misfire, how many ticks were late and the
// last of them.
type plan struct {
	run, next time.Time
	missed    int
	dropped   int  // of missed, not run: older than the catch-up window or beyond maxCatchUp
	atLeast   bool // missed is a lower bound (see countTicks)
	lastLate  time.Time
}

// dropOld drops the ticks from tick on that are older than the job's
// catch-up window at now, and returns how many and the first tick kept
// (zero if the job has none).
func (j *Job[T]) dropOld(tick, now time.Time) (int, time.Time) {
	w := j.cfg.window
	if w <= 0 || now.Sub(tick) <= w {
		return 0, tick
	}
	n, last := j.span(tick, now.Add(-w), false)
	return n, j.next(last)
}

// misfire applies the job's Misfire policy to tick, released at now more
// than the grace late, and to the ticks after it that are as late by now.
func (j *Job[T]) misfire(tick, now time.Time) plan {
	dropped, tick := j.dropOld(tick, now)
	if tick.IsZero() || now.Sub(tick) <= j.s.cfg.grace {
		return plan{run: tick, next: j.next(tick), missed: dropped, dropped: dropped}
	}
	late := j.tickSpan(tick, now.Add(-j.s.cfg.grace), false)
	c := countTicks(late)
	n, last := c.n, c.last
	p := plan{missed: dropped + n, lastLate: last, dropped: dropped, atLeast: !c.exact}
	switch j.cfg.misfire {
	case MisfireSkip:
		p.next = j.next(last)
	case MisfireCoalesceEarliest:
		p.run, p.next = tick, j.next(last)
	case MisfireCatchUp:
		p.run = lastTicks(late, c, maxCatchUp)
		p.dropped += max(0, n-maxCatchUp) // beyond the cap: missed and never run
		p.next = j.next(p.run)
	default:
		_, p.run = j.span(last, now, true)
		p.next = j.next(p.run)
	}
	return p
}

// span counts the ticks from t on, t included, that come before until (or
// at it, when incl is set), and returns the last of them. t must qualify.
// See countTicks: n may be a lower bound.
func (j *Job[T]) span(t, until time.Time, incl bool) (n int, last time.Time) {
	c := countTicks(j.tickSpan(t, until, incl))
	return c.n, c.last
}

// refusal is a run to settle without starting, after s.mu is released.
type refusal struct {
	r   starter
	err error
}

// admitTickLocked admits a run for tick under the job's overlap policy and
// the limit, appending skipped runs to refused.
func (j *Job[T]) admitTickLocked(tick time.Time, refused []refusal) []refusal {
	l := j.l()
	if j.cfg.limit > 0 && j.ticks >= j.cfg.limit {
		return refused
	}
	s := j.s
	r := newRun(j, tick, true)
	busy := len(l.active) > 0 || len(l.queue) > 0 || l.slotWait != nil
	switch o := j.cfg.overlap; {
	case busy && o == OverlapSkip:
		return append(refused, refusal{r, j.skipErr(tick, "a run is in flight")})
	case busy && (o == OverlapQueue || o == OverlapBufferOne):
		if bound := j.bufferBound(); len(l.queue) >= bound {
			return append(refused, refusal{r, j.skipErr(tick, "the overlap buffer is full")})
		}
		l.queue = append(l.queue, r)
		j.ticks++
		return refused
	case busy && o == OverlapReplace:
		for _, a := range l.active {
			a.cancel()
		}
		for _, q := range l.queue {
			refused = append(refused, refusal{q, j.skipErr(q.tick, "replaced by a later tick")})
		}
		l.queue = append(l.queue[:0], r)
		j.ticks++
		return refused
	}
	if !s.admitLocked(r) {
		return append(refused, refusal{r, j.skipErr(tick, "a run already waits for a concurrency slot")})
	}
	j.ticks++
	return refused
}

// bufferBound is how many runs may wait their turn.
func (j *Job[T]) bufferBound() int {
	if j.cfg.overlap == OverlapBufferOne {
		return 1
	}
	return j.cfg.buffer
}

// refuse settles skipped runs and tells OnRun, the hooks and the log.
func (j *Job[T]) refuse(refused []refusal) {
	if len(refused) == 0 {
		return
	}
	s := j.s
	s.mu.Lock()
	j.l().stats.Skips += len(refused)
	s.mu.Unlock()
	for _, x := range refused {
		x.r.refuse(x.err)
	}
	now := s.Now()
	s.goTracked(func() {
		for _, x := range refused {
			r := x.r.(*run[T])
			j.notifyRun(r.tick, &r.fut)
			s.report(&Event{Kind: EventSkip, Job: j.name, Tick: r.tick, Start: now, Err: x.err})
		}
	})
}

// withdraw settles a run cancelled before it started, if it still waits
// for a concurrency slot: it leaves the queue at once, so that it no
// longer holds its job's one place there.
func (r *run[T]) withdraw() {
	s, j := r.s, r.job
	s.mu.Lock()
	waiting := j.l().slotWait == r
	if waiting {
		j.l().slotWait = nil
		s.slots = slices.DeleteFunc(s.slots, func(x starter) bool { return x == starter(r) })
	}
	s.notifyLocked()
	s.mu.Unlock()
	if waiting {
		r.fut.settle(*new(T), ErrCancelled)
	}
}

// doneLocked takes a returned run off the job and returns the queued run
// to start next, if any.
func (j *Job[T]) doneLocked(rb *runBase, start time.Time, took time.Duration, err error) starter {
	l := j.l()
	j.recordLocked(rb.tick, start, start.Add(took), err)
	l.active = deleteRun(l.active, rb)
	l.stats.InFlight--
	l.stats.Runs++
	l.stats.LastDuration = took
	l.stats.LastError = err
	if err == nil {
		l.stats.Successes++
	} else {
		l.stats.Failures++
	}
	if len(l.active) > 0 || len(l.queue) == 0 {
		return nil
	}
	r := l.queue[0]
	l.queue = l.queue[1:]
	return r
}

// deleteRun removes the run whose base is rb.
func deleteRun[T any](rs []*run[T], rb *runBase) []*run[T] {
	for i, r := range rs {
		if &r.runBase == rb {
			return append(rs[:i], rs[i+1:]...)
		}
	}
	return rs
}
