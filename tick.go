package periodic

import (
	"time"
)

// fire handles the job's tick at e.when, released at now: it applies the
// misfire policy, admits the runs, and puts the next tick in the heap.
func (j *Job[T]) fire(e *entry, now time.Time) {
	s := j.s
	tick := e.when
	next := j.next(tick)
	var due []time.Time
	missed := 0
	if (!next.IsZero() && !next.After(now)) || now.Sub(tick) > s.cfg.grace {
		due, missed, next = j.collect(tick, next, now)
	}
	var refused []refusal
	s.mu.Lock()
	if j.state != jobActive || s.closing {
		s.mu.Unlock()
		return
	}
	if due == nil {
		refused = j.admitTickLocked(tick, refused)
	} else {
		for _, t := range j.misfirePolicy(due, now) {
			refused = j.admitTickLocked(t, refused)
		}
		missed += len(due) - j.ranOf(due, now)
		j.stats.Misfires += missed
	}
	if !next.IsZero() && (j.cfg.limit == 0 || j.ticks < j.cfg.limit) {
		s.pushLocked(&j.tick, next)
	} else {
		j.state = jobEnded
	}
	s.mu.Unlock()
	if due != nil {
		s.report(Event{Kind: EventMisfire, Job: j.name, Tick: tick, Missed: missed, Start: now})
	}
	j.refuse(refused)
}

// collect returns the ticks due at now from tick on (at most maxCatchUp
// of them, the oldest dropped and counted beyond that), and the first tick
// after now. next is the tick after tick.
func (j *Job[T]) collect(tick, next, now time.Time) (due []time.Time, dropped int, after time.Time) {
	due = append(due, tick)
	for !next.IsZero() && !next.After(now) {
		due = append(due, next)
		if len(due) > maxCatchUp {
			due = due[1:]
			dropped++
		}
		if e, ok := j.trigger.(every); ok && now.Sub(next) > 4*maxCatchUp*e.d {
			k := now.Sub(next)/e.d - 2*maxCatchUp
			next = next.Add(k * e.d)
			dropped += int(k)
			continue
		}
		next = j.next(next)
	}
	return due, dropped, next
}

// misfirePolicy returns the ticks to run out of those due at now.
func (j *Job[T]) misfirePolicy(due []time.Time, now time.Time) []time.Time {
	latest := due[len(due)-1]
	switch j.cfg.misfire {
	case MisfireSkip:
		if now.Sub(latest) > j.s.cfg.grace {
			return nil
		}
		return due[len(due)-1:]
	case MisfireCatchUp:
		return due
	}
	return due[len(due)-1:]
}

// ranOf returns how many of the due ticks the misfire policy runs.
func (j *Job[T]) ranOf(due []time.Time, now time.Time) int { return len(j.misfirePolicy(due, now)) }

// refusal is a run to settle without starting, after s.mu is released.
type refusal struct {
	r   starter
	err error
}

// admitTickLocked admits a run for tick under the job's overlap policy and
// the limit, appending skipped runs to refused.
func (j *Job[T]) admitTickLocked(tick time.Time, refused []refusal) []refusal {
	if j.cfg.limit > 0 && j.ticks >= j.cfg.limit {
		return refused
	}
	s := j.s
	r := newRun(j, tick, true)
	busy := len(j.active) > 0 || len(j.queue) > 0 || j.slotWait != nil
	switch o := j.cfg.overlap; {
	case busy && o == OverlapSkip:
		return append(refused, refusal{r, j.skipErr(tick, "a run is in flight")})
	case busy && (o == OverlapQueue || o == OverlapBufferOne):
		if bound := j.bufferBound(); len(j.queue) >= bound {
			return append(refused, refusal{r, j.skipErr(tick, "the overlap buffer is full")})
		}
		j.queue = append(j.queue, r)
		j.ticks++
		return refused
	case busy && o == OverlapReplace:
		for _, a := range j.active {
			a.cancel()
		}
		for _, q := range j.queue {
			refused = append(refused, refusal{q, j.skipErr(q.tick, "replaced by a later tick")})
		}
		j.queue = append(j.queue[:0], r)
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
	j.stats.Skips += len(refused)
	s.mu.Unlock()
	for _, x := range refused {
		x.r.refuse(x.err)
	}
	s.goTracked(func() {
		for _, x := range refused {
			r := x.r.(*run[T])
			j.notifyRun(r.tick, &r.fut)
			s.report(Event{Kind: EventSkip, Job: j.name, Tick: r.tick, Err: x.err})
		}
	})
}

// doneLocked takes a returned run off the job and returns the queued run
// to start next, if any.
func (j *Job[T]) doneLocked(rb *runBase, took time.Duration, err error) starter {
	j.active = deleteRun(j.active, rb)
	j.stats.InFlight--
	j.stats.Runs++
	j.stats.LastDuration = took
	j.stats.LastError = err
	if err == nil {
		j.stats.Successes++
	} else {
		j.stats.Failures++
	}
	if len(j.active) > 0 || len(j.queue) == 0 {
		return nil
	}
	r := j.queue[0]
	j.queue = j.queue[1:]
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
