package periodic

import (
	"fmt"
	"time"
)

// Update redefines the job in place, as gocron's Update and APScheduler's
// replace_existing do: trigger t and opts replace the job's trigger and
// options whole (options are not merged with the old ones: pass every
// option that should hold). The job keeps its name, Stats, history,
// OnRun registrations, pause state and runs in flight, which finish under
// the options they started with; WithLimit counts the ticks since
// Schedule.
//
// The next tick is computed as Schedule computes the first: from
// WithStartAt, else from now. A paused job keeps it for Resume; an idle
// one (before Start) for Start; an ended job (limit, stop time, the
// trigger's end) becomes active again if the new definition has a tick.
// Under WithIntervalFromCompletion kept across the Update, a run in
// flight still arms the next tick when it ends, from the new trigger.
//
// Bad input is an error wrapping ErrInvalid, as for Schedule (a WithName
// other than the job's name included, and a WithLimit the job has
// reached already); after Shutdown it returns
// ErrClosed, after Remove ErrRemoved. Update does not block on runs and
// is safe for use by several goroutines; with WithStore, every replica
// must make the same Update.
func (j *Job[T]) Update(t Trigger, opts ...JobOption) error {
	s := j.s
	cfg := newJobConfig(opts)
	if err := checkSchedule("Update", s, t, false, cfg); err != nil {
		return err
	}
	name := j.Name()
	if cfg.name != "" && cfg.name != name {
		return fmt.Errorf("%w: Update: WithName(%q): the job is named %q", ErrInvalid, cfg.name, name)
	}
	now := s.Now()
	if err := checkPast(now, t, cfg); err != nil {
		return err
	}
	s.mu.Lock()
	if err := j.closedErrLocked(); err != nil {
		s.mu.Unlock()
		return wrapf(err, "job %q: Update", name)
	}
	if cfg.limit > 0 && cfg.limit <= j.tickCount() {
		ticks := j.tickCount()
		s.mu.Unlock()
		return fmt.Errorf("%w: job %q: Update: WithLimit(%d) is reached already (%d ticks ran); the job would never run again",
			ErrInvalid, name, cfg.limit, ticks)
	}
	def := &jobDef{trigger: s.seededLocked(t), cfg: cfg}
	j.def.Store(def)
	s.mu.Unlock()
	first := j.first(now) // the trigger is user code: without the lock
	s.mu.Lock()
	defer s.mu.Unlock()
	if j.def.Load() == def { // else a later Update places the tick
		j.replanLocked(first)
	}
	return nil
}

// replanLocked puts the job's next tick at first (zero: none) after an
// Update, in whatever state the job is. s.mu must be held.
func (j *Job[T]) replanLocked(first time.Time) {
	s, fromEnd := j.s, j.conf().fromEnd
	if j.awaitEnd && fromEnd && (j.state == jobActive || j.state == jobPaused) {
		return // the run's end arms the next tick, from the new trigger
	}
	j.awaitEnd = false
	switch j.state {
	case jobIdle, jobRemoved: // Start arms it from the new definition
	case jobPaused:
		if j.tick.index == held { // the releaser's: handBack gives it this tick
			j.replanned, j.more().replanNext = true, first
			return
		}
		if !j.unarmed {
			j.tick.when = first // Resume goes on from here
		}
	case jobActive, jobEnded:
		lim := j.conf().limit
		ends := first.IsZero() || (lim > 0 && j.tickCount() >= lim)
		if j.tick.index == held {
			// fire pushes first instead of its own next tick; the state is
			// the new definition's at once, as for a tick in the heap: a job
			// with no tick left ends now (its held tick does not run, as a
			// due tick the releaser has not taken yet would not), so that a
			// Pause after this Update finds it ended either way.
			j.replanned, j.more().replanNext = true, first
			j.state = jobActive
			if ends {
				j.state = jobEnded
			}
			return
		}
		s.heap.remove(&j.tick)
		if ends {
			j.state = jobEnded
			return
		}
		j.state = jobActive
		s.pushLocked(&j.tick, first)
	}
}
