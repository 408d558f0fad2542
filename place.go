package periodic

import (
	"slices"
	"time"
)

// runPlace is where a run is (ARCHITECTURE.md, a run is in exactly one
// place). Only moveLocked changes it.
type runPlace uint8

const (
	placeNew      runPlace = iota // made, not placed yet
	placePending                  // a Backfill's run waiting its turn
	placeQueued                   // in its job's overlap queue
	placeSlot                     // waiting for a WithMaxConcurrency slot
	placeActive                   // its goroutine runs
	placeFinished                 // returned, or refused before it started
)

// starter is a run waiting for a concurrency slot, seen without its type.
type starter interface {
	grantLocked()
	refuseLocked(out []refusal, err error) []refusal
}

// refusal is a run to settle without starting, after s.mu is released.
type refusal struct {
	r    refusable
	err  error
	skip bool // a skipped tick: OnRun and OnSkip hear of it
}

// refusable is a refused run seen without its type.
type refusable interface {
	refuse(err error)
	reportSkip(now time.Time, err error)
	reportRefused()
	observed() bool
	sched() *Scheduler
}

// moveLocked moves r from its place to another: the only code that
// changes r.placed and the lists that hold runs. Moving to placeActive
// takes the run goroutine's token and starts it, or, while the releaser
// has set deferStarts, leaves it to the releaser to start after s.mu.
func (j *Job[T]) moveLocked(r *run[T], to runPlace) {
	s, l := j.s, j.l()
	switch r.placed {
	case placePending:
		if b := r.batch; b.runs[b.next] == r {
			b.next++ // the head of a Backfill moves out in turn
		} else { // a pending run cancelled out of turn leaves the Backfill
			b.runs = deleteRun(b.runs, r)
		}
		if to != placeFinished {
			r.batch.admitted++
		}
	case placeQueued:
		l.queue = deleteRun(l.queue, r)
	case placeSlot:
		if r.ticked {
			l.slotWait = nil
		} else {
			l.nowWait = deleteRun(l.nowWait, r)
		}
		s.slots = slices.DeleteFunc(s.slots, func(x starter) bool { return x == starter(r) })
	case placeActive:
		l.active = deleteRun(l.active, r)
		s.running.remove(&r.runBase)
		s.inflight--
		l.stats.InFlight--
		r.prev = nil // the run has returned: Previous is no longer asked; cut the chain
	}
	if to == placeFinished && (r.placed == placeSlot || r.placed == placeActive) && r.batch != nil {
		r.batch.admitted--
	}
	r.placed = to
	switch to {
	case placeQueued:
		l.queue = append(l.queue, r)
	case placeSlot:
		if r.ticked { // a tick or a Backfill run: one per job
			l.slotWait = r
		} else { // RunNow: each waits
			l.nowWait = append(l.nowWait, r)
		}
		s.slots = append(s.slots, r)
	case placeActive:
		s.live.Add(1) // the run goroutine's token, taken before go
		s.rebookLocked(&r.runBase, 1, 0)
		s.inflight++
		s.running.add(&r.runBase)
		l.active = append(l.active, r)
		if l.last != nil {
			r.prev = l.last
		}
		l.last = &r.fut
		l.stats.InFlight++
		r.drawLocked() // in start order, under mu: the same draws on every repetition
		if r.jitter() > 0 {
			r.extra.jitterWait = true
		}
		if s.deferStarts {
			s.starts = append(s.starts, r)
		} else {
			go r.exec()
		}
	}
}

// execer is a run whose goroutine is to be started.
type execer interface{ exec() }

// startDeferred starts the goroutines of the runs admitted while
// deferStarts was set; only the releaser calls it, after releasing s.mu,
// so that s.mu is not held across go (each run holds its token already).
func (s *Scheduler) startDeferred() {
	for i, r := range s.starts {
		s.spawn(r)
		s.starts[i] = nil
	}
	s.starts = s.starts[:0]
}

// admitLocked starts r, or makes it wait for a concurrency slot, behind
// the runs already waiting; false when r is a tick or Backfill run and its
// job already has one waiting for a slot, and r stays where it is. A
// RunNow run is always admitted.
func (j *Job[T]) admitLocked(r *run[T]) bool {
	s := j.s
	if s.cfg.maxRuns == 0 || (s.inflight < s.cfg.maxRuns && len(s.slots) == 0) {
		j.moveLocked(r, placeActive)
		return true
	}
	if r.ticked && j.l().slotWait != nil {
		return false
	}
	j.moveLocked(r, placeSlot)
	return true
}

// advanceLocked starts what may start after a run of the job moved: the
// head of the overlap queue once nothing of the job is active or waits for
// a slot, then the next runs of each Backfill. Every move out of queued,
// slot or active is followed by it, so no run waits with nobody to start
// it.
func (j *Job[T]) advanceLocked() {
	s, l := j.s, j.l()
	if s.closing || j.state == jobRemoved {
		return
	}
	if len(l.active) == 0 && l.slotWait == nil && len(l.queue) > 0 {
		j.admitLocked(l.queue[0])
	}
	for _, b := range l.batches {
		b.advanceLocked()
	}
}

// grantSlotsLocked starts runs waiting for a concurrency slot, in order.
func (s *Scheduler) grantSlotsLocked() {
	for len(s.slots) > 0 && s.inflight < s.cfg.maxRuns {
		s.slots[0].grantLocked()
	}
}

// grantLocked starts a run that waited for a slot.
func (r *run[T]) grantLocked() {
	r.job.moveLocked(r, placeActive)
	r.job.advanceLocked()
}

// refuseLocked moves r to finished, to be settled with err.
func (r *run[T]) refuseLocked(out []refusal, err error) []refusal {
	r.job.moveLocked(r, placeFinished)
	return append(out, refusal{r: r, err: err})
}

// skipLocked refuses r as a skipped tick, counted in Stats.Skips.
func (j *Job[T]) skipLocked(r *run[T], why string, out []refusal) []refusal {
	j.moveLocked(r, placeFinished)
	j.l().stats.Skips++
	return append(out, refusal{r: r, err: j.skipErr(r.tick, why), skip: true})
}

// sched returns the run's scheduler.
func (r *run[T]) sched() *Scheduler { return r.s }

// reportRefused tells OnRun of a run refused before it started (Remove,
// Shutdown, a cancel while it waited for a slot): every future the
// scheduler makes reaches OnRun, already settled for these.
func (r *run[T]) reportRefused() { r.job.notifyRun(r.tick, &r.fut) }

// observed reports whether an OnRun function is registered for r's job.
func (r *run[T]) observed() bool { return len(r.job.onRuns()) > 0 }

// reportSkip tells OnRun, the hooks and the log of a skipped tick.
func (r *run[T]) reportSkip(now time.Time, err error) {
	r.job.notifyRun(r.tick, &r.fut)
	r.s.report(&Event{Kind: EventSkip, Job: r.job.name, Tick: r.tick, Start: now, Err: err})
}

// settle settles refused runs, s.mu released, and reports them, in
// order, on a goroutine of the scheduler (inline once it has stopped):
// skipped ticks to OnRun and the hooks, the others to OnRun.
func settle(refused []refusal) {
	var told []refusal // those somebody hears of
	for _, x := range refused {
		x.r.refuse(x.err)
		if x.skip || x.r.observed() {
			told = append(told, x)
		}
	}
	if len(told) == 0 {
		return
	}
	s := told[0].r.sched()
	now := s.Now()
	report := func() {
		for _, x := range told {
			if x.skip {
				x.r.reportSkip(now, x.err)
			} else {
				x.r.reportRefused()
			}
		}
	}
	if !s.goTracked(report) {
		report()
	}
}

// cancelAll ends the contexts of runs, s.mu released.
func cancelAll(runs []*runBase) {
	for _, r := range runs {
		r.cancel()
	}
}

// withdraw settles a run cancelled before it started, if it still waits
// for a concurrency slot or its turn in a Backfill: it leaves at once, so
// that it no longer holds its job's one place in the slots' queue, and
// what waited behind it moves.
func (r *run[T]) withdraw() {
	s, j := r.s, r.job
	s.mu.Lock()
	waiting := r.placed == placeSlot || r.placed == placePending
	if waiting {
		j.moveLocked(r, placeFinished)
		j.advanceLocked()
	}
	s.notifyLocked()
	s.mu.Unlock()
	if waiting {
		settle([]refusal{{r: r, err: ErrCancelled}})
	}
}

// closeBooks accounts for a run that returned, before its future settles:
// history and stats, pause on failure, its place among the active runs
// and its slot; then it starts what waited for it. It reports whether the
// run's end arms its job's next tick (WithIntervalFromCompletion).
func (j *Job[T]) closeBooks(r *run[T], start time.Time, took time.Duration, err error) bool {
	s, l := j.s, j.l()
	s.mu.Lock()
	if x := r.extra; x != nil {
		s.heap.remove(&x.deadline)
	}
	if !notARun(&l.stats, err) { // store_run.go: lost claims, store errors
		j.recordLocked(r.tick, start, start.Add(took), err)
		l.stats.Runs++
		l.stats.LastDuration = took
		l.stats.LastError = err
		switch {
		case err == nil:
			l.stats.Successes++
		case isCancel(err): // Event.Outcome's "cancelled"; not a failure for WithPauseOnFailure either
			l.stats.Cancellations++
		default:
			l.stats.Failures++
		}
	}
	j.moveLocked(r, placeFinished)
	var refused []refusal
	if j.state == jobPaused { // WithPauseOnFailure, or a Pause: nothing of the tick runs starts
		refused = j.pauseRunsLocked(nil)
	}
	s.grantSlotsLocked()
	j.advanceLocked()
	s.notifyLocked()
	rearm := r.rearm
	s.mu.Unlock()
	settle(refused)
	return rearm
}

// deleteRun removes r from rs.
func deleteRun[T any](rs []*run[T], r *run[T]) []*run[T] {
	if i := slices.Index(rs, r); i >= 0 {
		return slices.Delete(rs, i, i+1)
	}
	return rs
}
