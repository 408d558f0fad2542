package periodic

import (
	"slices"
	"time"
)

// This file is the job's state machine (ARCHITECTURE.md, a job is a state
// machine): arm, Pause, Resume, Remove and Paused, each defined in every
// state, the releaser's hold on the tick included.

// arm computes the first tick from the anchor and puts it in the heap. A
// job paused before Start keeps its first tick for Resume.
func (j *Job[T]) arm(now time.Time) {
	first := j.resumeFrom(j.first(now)) // store_job.go: restart from the last claimed tick
	s := j.s
	at := first
	if j.reload.Load() && !first.IsZero() { // the store's Load failed: fire tries again at at (store_job.go)
		if r := now.Add(s.cfg.leaseRenew); r.Before(first) {
			at = r
		}
	}
	s.mu.Lock()
	ended := false
	if j.reload.Load() {
		j.more().reloadFirst = first
	}
	switch {
	case s.closing:
	case j.state == jobPaused && j.unarmed:
		j.unarmed = false
		j.tick.when = first
		j.reload.Store(false) // Resume skips the ticks missed while paused anyway
	case j.state != jobIdle:
	case first.IsZero():
		j.state, ended = jobEnded, true
		j.l() // names it
	default:
		j.state = jobActive
		s.pushLocked(&j.tick, at)
	}
	s.mu.Unlock()
	if ended && j.broken.Load()&brokeLogged == 0 { // a broken trigger has said why already
		args := []any{"job", j.name, "now", now}
		if !j.conf().stopAt.IsZero() {
			args = append(args, "stop_at", j.conf().stopAt)
		}
		s.cfg.log.Warn("periodic: the job has no tick after its anchor and now; it ends without running", args...)
	}
}

// Remove takes the job off the scheduler: no more ticks, and runs waiting
// to start (queued, waiting for a slot, or backfilled) fail with
// ErrRemoved, and OnRun sees their futures. Runs in flight go on. Its
// name becomes free. Later RunNow and Backfill calls fail with ErrRemoved.
func (j *Job[T]) Remove() {
	s := j.s
	s.mu.Lock()
	if j.state == jobRemoved {
		s.mu.Unlock()
		return
	}
	var err error
	if j.life != nil {
		err = wrapf(ErrRemoved, "job %q", j.name)
	}
	s.heap.remove(&j.tick) // here, not vacated by closeLocked: nobody compacts after Remove
	refused := j.closeLocked(nil, err)
	if s.names[j.name] == jobHandle(j) {
		delete(s.names, j.name)
	}
	s.jobs = slices.DeleteFunc(s.jobs, func(e *entry) bool { return e == &j.tick })
	s.mu.Unlock()
	settle(refused)
}

// closedErrLocked returns why the job takes no more runs: ErrClosed
// once the scheduler is shutting down, ErrRemoved once the job is
// removed; else nil.
func (j *Job[T]) closedErrLocked() error {
	switch {
	case j.s.closing:
		return ErrClosed
	case j.state == jobRemoved:
		return ErrRemoved
	}
	return nil
}

// closeLocked ends the job's ticking and refuses, with err, the runs that
// were waiting to start. A tick the releaser holds is handed back by it.
// Once the scheduler is closing, closeJobs is the only caller (Schedule
// refuses new jobs, Remove returns on a removed one, and takes the tick
// out itself anyway): the tick's slot is left empty, and closeJobs
// compacts the heap once for all its jobs.
func (j *Job[T]) closeLocked(out []refusal, err error) []refusal {
	j.state = jobRemoved
	j.resumeWanted = false
	if j.s.closing {
		j.s.heap.vacate(&j.tick)
	} else {
		j.s.heap.remove(&j.tick)
	}
	l := j.life
	if l == nil {
		return out // it never ran, so nothing waits
	}
	for len(l.queue) > 0 {
		out = l.queue[0].refuseLocked(out, err)
	}
	if r := l.slotWait; r != nil {
		out = r.refuseLocked(out, err)
	}
	for len(l.nowWait) > 0 {
		out = l.nowWait[0].refuseLocked(out, err)
	}
	for _, b := range slices.Clone(l.batches) {
		for b.next < len(b.runs) {
			out = b.runs[b.next].refuseLocked(out, err)
		}
	}
	return j.stopJitterLocked(out, err, false) // runpolicy.go: not started yet
}

// pauseRunsLocked skips the job's tick runs that have not started: those
// in the overlap queue, the one waiting for a concurrency slot, and those
// in their jitter delay. Their futures fail with ErrSkipped, OnRun hears
// of the queued ones, and Stats.Skips counts them. RunNow and Backfill
// runs are not ticks: they go on.
func (j *Job[T]) pauseRunsLocked(out []refusal) []refusal {
	l := j.life
	if l == nil {
		return out
	}
	for _, r := range slices.Clone(l.queue) {
		if r.ticked && r.batch == nil {
			out = j.skipLocked(r, "job paused", out)
		}
	}
	if r := l.slotWait; r != nil && r.ticked && r.batch == nil {
		out = j.skipLocked(r, "job paused", out)
	}
	out = j.stopJitterLocked(out, nil, true)
	j.advanceLocked()
	return out
}

// Pause stops the job's ticks until Resume; runs in flight go on. Tick
// runs that have not started (queued under OverlapQueue, waiting for a
// concurrency slot, or in their WithJitter delay) are skipped: their
// futures fail with ErrSkipped. RunNow and Backfill runs go on. With
// WithStore, a named job is paused in the store, for every replica: its
// ticks go on, and their claims are refused with ErrPaused, until a
// Resume on any replica. If the store cannot be reached, the job is
// paused on this replica only, until Resume here, and a Warn record
// says so; the other replicas go on. Paused before Start, the job is not
// armed by Start. While the releaser holds the job's tick, Pause is an
// intent it applies: the tick does not run.
func (j *Job[T]) Pause() {
	if j.storePause(true) { // store_job.go: paused in the store, for every replica
		return
	}
	j.pauseLocal(nil)
}

// pauseLocal pauses the job on this scheduler, by the failure by if not
// nil (WithPauseOnFailure).
func (j *Job[T]) pauseLocal(by error) {
	s := j.s
	s.mu.Lock()
	if by != nil && (j.state == jobActive || j.state == jobIdle) {
		j.l().pausedBy = by
	}
	j.resumeWanted = false
	j.pauses++ // a Resume outside s.mu now does not push (Resume)
	switch j.state {
	case jobActive:
		s.heap.remove(&j.tick) // a no-op when held: fire sees the state
		j.state = jobPaused
	case jobIdle:
		j.state = jobPaused
		j.unarmed = true
	}
	refused := j.pauseRunsLocked(nil) // an ended job too: its last tick's run may wait
	s.notifyLocked()
	s.mu.Unlock()
	settle(refused)
}

// Resume restarts a paused job at its first tick after now: ticks missed
// while paused do not run. A job paused before Start waits for Start
// again; one whose tick the releaser holds resumes when it hands it back,
// unless a Pause comes first.
func (j *Job[T]) Resume() { j.resume(false, 0) }

// resume is Resume; for handBack's intent, with the count of pauses it saw
// under s.mu (seen): a Pause since then stands. The store is told by the
// Resume call itself, not by the intent applied later: a Pause that the
// store took meanwhile (which bumps no local count) would be undone.
func (j *Job[T]) resume(intent bool, seen uint16) {
	if !intent {
		j.storePause(false) // store_job.go: resume in the cluster too
	}
	s := j.s
	s.mu.Lock()
	switch {
	case j.state != jobPaused || (intent && j.pauses != seen):
		s.mu.Unlock()
		return
	case j.tick.index == held:
		j.resumeWanted = true
		s.mu.Unlock()
		return
	case j.awaitEnd: // completion.go: the run's end arms the next tick
		j.state = jobActive
		j.l().pausedBy = nil
		s.mu.Unlock()
		return
	case j.unarmed:
		j.unarmed = false
		j.state = jobIdle
		s.mu.Unlock()
		return
	}
	for {
		from, pauses, def := j.tick.when, j.pauses, j.def.Load()
		s.mu.Unlock()
		now := s.Now()
		t := from
		for !t.IsZero() && !t.After(now) {
			t = j.skipAhead(t, now)
		}
		s.mu.Lock()
		// A Pause while the trigger ran came after this Resume: it stands. A
		// paused job's Pause changes nothing else, and the Resume handBack
		// applies for an intent may run after the caller's next Pause.
		if j.state != jobPaused || j.pauses != pauses || j.tick.index == held || s.heap.holds(&j.tick) {
			s.mu.Unlock()
			return
		}
		if j.tick.when.Equal(from) && j.def.Load() == def {
			j.resumeFromLocked(t)
			s.mu.Unlock()
			return
		}
		// An Update placed the tick, or changed the trigger, meanwhile: go
		// on from its tick, with its trigger.
	}
}

// resumeFromLocked makes the paused job active at t, its first tick
// after now (zero: none, the job ends).
func (j *Job[T]) resumeFromLocked(t time.Time) {
	j.l().pausedBy = nil
	if t.IsZero() {
		j.state = jobEnded
		return
	}
	j.state = jobActive
	j.s.pushLocked(&j.tick, t)
}

// Paused reports whether the job is paused.
func (j *Job[T]) Paused() bool {
	if stored, paused := j.storePaused(); stored && paused { // store_job.go
		return true
	}
	j.s.mu.Lock()
	defer j.s.mu.Unlock()
	return j.state == jobPaused
}
