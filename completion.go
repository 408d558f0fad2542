package periodic

import "time"

// This file is WithIntervalFromCompletion: a job whose next tick is
// counted from the end of its previous tick's run. fire leaves the tick
// out of the heap while that run lives (j.awaitEnd), and the run's end,
// or its refusal, arms the next one.

// WithIntervalFromCompletion counts the job's ticks from the end of the
// previous tick's run instead of from the previous tick, as gocron's
// WithIntervalFromCompletion does: the next tick is the trigger's Next of
// the instant that run returned, so Every(d) waits d after each run ends
// and a job's ticks never overlap. RunNow and Backfill runs do not move
// the ticks. While the tick's run is in flight (or waits for a slot or
// its turn), NextRun returns the zero time and Describe shows no next
// runs: the next tick is not known until the run ends. A tick that does
// not run (skipped by a misfire or overlap policy) counts from the tick;
// a tick's run refused before it started (cancelled while it waited for a
// slot) counts from the refusal. Paused meanwhile, the job resumes from
// the tick its run's end computed, as Resume says.
func WithIntervalFromCompletion() JobOption {
	return func(c *jobConfig) { c.fromEnd = true }
}

// awaitRunLocked marks the live run of tick, under
// WithIntervalFromCompletion, as the one whose end arms the next tick;
// false when there is none (no such option, no tick run, or the run was
// refused) or the job reached its limit, and the caller arms the next
// tick from the trigger as usual. s.mu must be held.
func (j *Job[T]) awaitRunLocked(tick time.Time) bool {
	if !j.conf().fromEnd || tick.IsZero() || (j.conf().limit > 0 && j.tickCount() >= j.conf().limit) {
		return false
	}
	l := j.l()
	for _, rs := range [][]*run[T]{l.active, l.queue, {l.slotWait}} {
		for _, r := range rs {
			if r != nil && r.ticked && r.batch == nil && r.tick.Equal(tick) {
				r.rearm, j.awaitEnd, j.tick.when = true, true, tick
				return true
			}
		}
	}
	return false
}

// rearm arms the next tick after the run that ended (or was refused) at
// end, when its job waits for it; s.mu is not held, since the trigger is
// user code. Paused, the job keeps the tick for Resume; removed or shut
// down, it takes none.
func (j *Job[T]) rearm(end time.Time) {
	next := j.next(end)
	s := j.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if !j.awaitEnd {
		return
	}
	j.awaitEnd = false
	switch {
	case s.closing || j.state == jobRemoved || j.state == jobEnded:
	case next.IsZero():
		if j.state == jobActive {
			j.state = jobEnded
		}
	case j.state == jobPaused:
		j.tick.when = next
	default:
		s.pushLocked(&j.tick, next)
	}
}
