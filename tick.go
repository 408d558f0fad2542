package periodic

import (
	"context"
	"time"
)

// fire handles the job's tick at e.when, released at now; the releaser
// owns the entry until fire hands it back, in its last critical section,
// to the heap (the next tick) or to the job (paused, ended, removed). A
// tick released more than the misfire grace (WithMisfireGrace) late goes
// to the job's Misfire policy; any other tick runs under its Overlap
// policy. Then the next tick goes in the heap, even when it is already
// due: due ticks are released in order (a group of on-time ticks admitted
// together, fireGroups, keeps it; a late tick is fired alone in its turn),
// so MisfireCatchUp starts its runs in tick order, each once the previous
// has started.
func (j *Job[T]) fire(e *entry, now time.Time) { j.fireWith(e, now, prepared{}) }

// fireWith is fire with what the releaser's group prepared for the tick
// (fireGroups), if it did.
func (j *Job[T]) fireWith(e *entry, now time.Time, prep prepared) {
	s := j.s
	tick := e.when // the releaser owns e: nobody else changes it
	if j.reload.Load() {
		tick = j.reloaded(j.rare.reloadFirst) // store_job.go: e.when is the retry of the Load of arm (which made rare)
		if tick.After(now) {                  // nothing missed: arm the first tick
			s.mu.Lock()
			if j.state != jobActive || s.closing {
				j.handBack(tick)
				return
			}
			j.tick.index = -1
			s.pushLocked(&j.tick, tick)
			s.mu.Unlock()
			return
		}
	}
	p := plan{run: tick, next: prep.next}
	r, _ := prep.r.(*run[T])
	if r == nil {
		p.next = j.next(tick)                                     // the trigger runs without the lock
		r = newRunUnnumbered(context.Background(), j, tick, true) // made outside the lock; numbered under it
	}
	s.mu.Lock()
	if j.state != jobActive || s.closing {
		j.handBack(tick)
		return
	}
	if now.Sub(tick) > s.cfg.grace && tick.After(j.l().catchUp) {
		calls := s.misfires.allowance(now) // count_budget.go: shared by the misfires released at now
		s.mu.Unlock()
		p, calls = j.misfireWithin(tick, now, calls)
		j.misfired(tick, now, p)
		s.mu.Lock()
		s.misfires.spend(now, calls)
		if j.state != jobActive || s.closing {
			j.handBack(tick)
			return
		}
	}
	var out fired
	if !p.run.IsZero() && p.run != tick { // a misfire policy chose another tick (or the same in another form)
		r = newRunUnnumbered(context.Background(), j, p.run, true)
	}
	j.runTickLocked(p, r, &out)
	s.mu.Unlock()
	s.startDeferred()
	cancelAll(out.cancels)
	settle(out.refused)
}

// runTickLocked is the end of a tick's work under s.mu, once it is known
// to run (p.run, with its run r) or not (zero p.run): the run is admitted
// under the overlap policy, its goroutine left to the releaser
// (deferStarts), and the next tick goes in the heap, or the job ends.
func (j *Job[T]) runTickLocked(p plan, r *run[T], out *fired) {
	s := j.s
	if !p.run.IsZero() {
		s.deferStarts = true
		out.refused, out.cancels = j.admitTickLocked(r, out.refused, out.cancels)
		s.deferStarts = false
	}
	j.tick.index = -1
	if j.replanned { // update.go: the new definition's tick
		j.replanned, p.next = false, j.more().replanNext
	}
	if j.awaitRunLocked(p.run) { // completion.go: the run's end arms the next tick
	} else if !p.next.IsZero() && (j.conf().limit == 0 || j.tickCount() < j.conf().limit) {
		s.pushLocked(&j.tick, p.next)
	} else {
		j.state = jobEnded
	}
}

// fired collects what a tick's work under s.mu leaves for after it: runs
// to settle without starting, and runs whose contexts end (OverlapReplace).
type fired struct {
	refused []refusal
	cancels []*runBase
}

// prepared is the part of a tick's work that needs no lock, done by the
// releaser for a group of ticks before it takes s.mu once for all of them
// (fireGroups): the next tick from the trigger, and the run (a *run[T]).
// The releaser keeps it, beside the entry it holds.
type prepared struct {
	next time.Time
	r    any
}

// grouped is an event whose work the releaser can do for several events
// under one critical section: prepare outside s.mu, then fireLocked under
// it; fireLocked returns false, with nothing done, when the event needs
// its full fire (its job paused, ended or removed, or the scheduler
// closing meanwhile: no run starts), which the releaser then calls after
// s.mu is released (fireWith), with what was prepared. A late tick is not
// prepared (prepare), so it never waits behind on-time ticks.
type grouped interface {
	prepare(e *entry, now time.Time) (prepared, bool)
	fireLocked(e *entry, now time.Time, p prepared, out *fired) bool
	fireWith(e *entry, now time.Time, p prepared)
}

// prepare computes the tick's next tick and makes its run, outside s.mu;
// false for a tick released more than the misfire grace late, or whose
// first Load from the store is retried: fire does all of it, alone and in
// its turn, so that a late tick keeps its place before the on-time ticks
// released after it.
func (j *Job[T]) prepare(e *entry, now time.Time) (prepared, bool) {
	if j.reload.Load() || now.Sub(e.when) > j.s.cfg.grace {
		return prepared{}, false
	}
	return prepared{next: j.next(e.when), r: newRunUnnumbered(context.Background(), j, e.when, true)}, true
}

// fireLocked does the tick's work under s.mu for a prepared tick whose
// job is active; else it leaves everything to fireWith.
// The tick is on time: prepare, with the same now, kept late ticks out.
func (j *Job[T]) fireLocked(e *entry, _ time.Time, prep prepared, out *fired) bool {
	if j.state != jobActive || j.s.closing {
		return false
	}
	j.runTickLocked(plan{run: e.when, next: prep.next}, prep.r.(*run[T]), out)
	return true
}

// handBack gives the held tick back to the job, at the tick that did not
// run, releases s.mu, and applies a Resume that came meanwhile.
func (j *Job[T]) handBack(tick time.Time) {
	if j.replanned { // update.go: Resume goes on from the new definition's tick; zero: it has none
		j.replanned, tick = false, j.more().replanNext
	}
	j.tick.index, j.tick.when = -1, tick
	resume, pauses := j.resumeWanted && j.state == jobPaused, j.pauses
	j.resumeWanted = false
	j.s.mu.Unlock()
	if resume {
		j.resume(true, pauses) // a Pause after the unlock stands
	}
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
	s.report(&Event{Kind: EventMisfire, Job: j.name, Tick: tick, Missed: p.missed, MissedAtLeast: p.atLeast, Dropped: p.dropped, Start: now})
}

// plan is what fire does: the tick to run (zero for none) and the next
// tick to put in the heap; for a misfire, how many ticks were late and the
// last of them.
type plan struct {
	run, next time.Time
	missed    int
	dropped   int  // of missed, never run: older than the catch-up window, or not run by the policy
	atLeast   bool // missed is a lower bound (see countTicks)
	lastLate  time.Time
}

// dropOld drops the ticks from tick on that are older than the job's
// catch-up window at now, and returns how many, whether that count is
// exact (false: a lower bound, see countTicks), and the first tick kept
// (zero if the job has none), which may be after now: misfireIn then runs
// nothing and keeps it as the next tick. Its walk is charged to b.
func (j *Job[T]) dropOld(tick, now time.Time, b *callBudget) (int, bool, time.Time) {
	w := j.conf().window
	if w <= 0 || now.Sub(tick) <= w {
		return 0, true, tick
	}
	c := countTicks(j.tickSpan(tick, now.Add(-w), false, b))
	return c.n, c.exact, j.next(c.last)
}

// misfire applies the job's Misfire policy to tick, released at now more
// than the grace late, and to the ticks after it that are as late by now.
// Its walks share one budget of misfireBudget calls (count_budget.go):
// when it runs out, the counts are lower bounds and the plan says so
// (atLeast).
func (j *Job[T]) misfire(tick, now time.Time) plan {
	p, _ := j.misfireWithin(tick, now, misfireBudget)
	return p
}

// misfireWithin is misfire with calls for its counts; it returns the
// calls they made. MisfireCatchUp counts with half of them and walks the
// ticks it runs with half of misfireBudget besides (what the counts leave
// too), whatever calls is: that walk finds at most maxCatchUp ticks,
// which then run, and is not counted against the misfires released at
// the same instant (count_budget.go).
func (j *Job[T]) misfireWithin(tick, now time.Time, calls int) (plan, int) {
	whole := misfireBudget
	if opaque(j.trig()) { // a call is a Next of the user's: fewer of them (count_budget.go)
		whole, calls = userBudget, min(calls, userBudget)
	}
	b := &callBudget{left: calls}
	if j.conf().misfire == MisfireCatchUp {
		b.left, b.reserve = calls/2+whole/2, whole/2
	}
	p := j.misfireIn(tick, now, b)
	return p, b.counted
}

// misfireIn is misfire within the budget b.
func (j *Job[T]) misfireIn(tick, now time.Time, b *callBudget) plan {
	policy := j.conf().misfire
	ring := false // the walk of the ticks catch-up runs has begun: counted is set
	defer func() {
		if !ring {
			b.counted = b.used
		}
	}()
	dropped, exact, tick := j.dropOld(tick, now, b)
	if tick.IsZero() || tick.After(now) { // every late tick dropped: the kept one (if any) waits for its time
		return plan{next: tick, missed: dropped, dropped: dropped, atLeast: !exact}
	}
	if now.Sub(tick) <= j.s.cfg.grace { // the kept tick is due, and on time
		return plan{run: tick, next: j.next(tick), missed: dropped, dropped: dropped, atLeast: !exact}
	}
	late := j.tickSpan(tick, now.Add(-j.s.cfg.grace), false, b)
	if policy == MisfireCatchUp {
		late.keep = maxCatchUp // an exact walk keeps the ticks to run
	}
	c := countTicks(late)
	n, last := c.n, c.last
	p := plan{missed: dropped + n, lastLate: last, dropped: dropped, atLeast: !c.exact || !exact}
	switch policy {
	case MisfireSkip:
		p.next = j.next(last)
		p.dropped += n // none of them runs
	case MisfireCoalesceEarliest:
		p.run, p.next = tick, j.next(last)
		p.dropped += n - 1 // all but the first
	case MisfireCatchUp:
		var runs, whole int
		ring, b.reserve, b.counted = true, 0, b.used
		p.run, runs, whole = lastTicksN(late, c, maxCatchUp)
		if whole > 0 && !c.exact { // the walk of the ticks to run took in every late tick
			p.missed += whole - n
			n = whole
			p.atLeast = !exact
		} else if runs > n { // a count cut short by the budget: the walk found more
			p.missed += runs - n
			n = runs
		}
		p.dropped += n - runs // beyond the cap (or what the budget let it find): missed and never run
		p.next = j.next(p.run)
	default:
		p.run = countTicks(j.tickSpan(last, now, true, b)).last
		p.next = j.next(p.run)
		p.dropped += n // all but the last, which runs, unless a tick on time comes after it
		if p.run.Equal(last) {
			p.dropped--
		}
	}
	return p
}

// admitTickLocked admits r, a tick's run made outside the lock, under the
// job's overlap policy and the limit (numbering it unless over the limit), appending refused runs to refused and runs to cancel (after
// s.mu is released) to cancels.
func (j *Job[T]) admitTickLocked(r *run[T], refused []refusal, cancels []*runBase) ([]refusal, []*runBase) {
	l := j.l()
	if j.conf().limit > 0 && j.tickCount() >= j.conf().limit {
		return refused, cancels
	}
	j.numberRun(&r.origin)
	busy := (len(l.active) > 0 || len(l.queue) > 0 || l.slotWait != nil) && !j.stored() // store: the claim decides
	switch o := j.conf().overlap; {
	case busy && o == OverlapSkip:
		return j.skipLocked(r, "a run is in flight", refused), cancels
	case busy && (o == OverlapQueue || o == OverlapBufferOne):
		if len(l.queue) >= j.bufferBound() {
			return j.skipLocked(r, "the overlap buffer is full", refused), cancels
		}
		j.moveLocked(r, placeQueued)
		j.l().ticks++
		j.advanceLocked()
		return refused, cancels
	case busy && o == OverlapReplace:
		for _, a := range l.active {
			cancels = append(cancels, &a.runBase)
		}
		for len(l.queue) > 0 {
			refused = j.skipLocked(l.queue[0], "replaced by a later tick", refused)
		}
		if w := l.slotWait; w != nil && w.ticked && w.batch == nil {
			refused = j.skipLocked(w, "replaced by a later tick", refused)
		}
		j.moveLocked(r, placeQueued)
		j.l().ticks++
		j.advanceLocked()
		return refused, cancels
	}
	if !j.admitLocked(r) {
		return j.skipLocked(r, "a run already waits for a concurrency slot", refused), cancels
	}
	j.l().ticks++
	return refused, cancels
}

// bufferBound is how many runs may wait their turn.
func (j *Job[T]) bufferBound() int {
	if j.conf().overlap == OverlapBufferOne {
		return 1
	}
	return j.conf().buffer
}
