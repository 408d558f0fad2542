package periodic

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// resumeFrom returns the job's first tick on a scheduler with a store:
// the tick after the job's last claimed tick when that comes before
// first, so that the ticks that passed while no replica ran go to the
// job's Misfire policy and catch-up window, as after a clock jump. It
// also learns the job's cluster pause flag. On a store error it reports
// it, returns first and marks the job so that its first tick tries again
// (reloaded).
func (j *Job[T]) resumeFrom(first time.Time) time.Time {
	if !j.stored() || first.IsZero() {
		return first
	}
	s := j.s
	var st JobState
	err := callStore(func() (err error) { st, err = s.cfg.store.Load(context.Background(), j.name); return err })
	if err != nil {
		_ = j.storeFailed("load", first, err)
		j.reload.Store(true)
		return first
	}
	s.st.setPaused(j.name, st.Paused, st.Reason)
	if st.Mark.IsZero() {
		return first
	}
	next := j.next(st.Mark)
	if next.IsZero() || !next.Before(first) || next.Before(j.conf().startAt) {
		return first
	}
	return next
}

// reloaded tries the Load of arm once more, when it failed, so that one
// blip of the store at a restart does not skip the catch-up of the ticks
// missed since the last claimed tick: arm put the job's tick at the
// sooner of its first tick and a renewal interval of WithLease later,
// and fire, releasing it, calls reloaded with the first tick. It returns
// the tick to handle: an earlier one goes to the Misfire policy as a
// late tick; one after now is only armed.
func (j *Job[T]) reloaded(first time.Time) time.Time {
	t := j.resumeFrom(first)
	j.reload.Store(false) // once: a store still down is the claim's error
	return t
}

// storePause pauses or resumes the job in the store, for every replica,
// and reports whether the store did: false for a job that is not stored,
// and on a store error, which is reported; the caller then pauses or
// resumes the job on this replica only.
func (j *Job[T]) storePause(paused bool) bool {
	return j.storePauseFor(paused, "paused on "+j.s.cfg.replica)
}

// storePauseFor is storePause with the reason to keep while paused.
func (j *Job[T]) storePauseFor(paused bool, reason string) bool {
	if !j.stored() {
		return false
	}
	s := j.s
	if !paused {
		reason = ""
	}
	err := callStore(func() error { return s.cfg.store.SetPause(context.Background(), j.name, paused, reason, s.Now()) })
	if err != nil {
		_ = j.storeFailed("pause", s.Now(), err)
		if paused {
			s.cfg.log.Warn("periodic: store unreachable, job paused on this replica only", "job", j.name)
		}
		return false
	}
	s.st.setPaused(j.name, paused, reason)
	return true
}

// storePaused returns the job's cluster pause flag as last seen, for a
// stored job.
func (j *Job[T]) storePaused() (stored, paused bool) {
	if !j.stored() {
		return false, false
	}
	paused, _ = j.s.st.isPaused(j.name)
	return true, paused
}

// describeStored completes d, for a stored job, with the cluster's view:
// the pause flag and reason, the cluster's counters and up to n of its
// latest runs, from every replica. On a store error d stays local.
func (j *Job[T]) describeStored(d Description, n int) Description {
	if !j.stored() {
		return d
	}
	s := j.s
	var st JobState
	err := callStore(func() (err error) { st, err = s.cfg.store.Load(context.Background(), j.name); return err })
	if err != nil {
		_ = j.storeFailed("load", s.Now(), err)
		return d
	}
	s.st.setPaused(j.name, st.Paused, st.Reason)
	d.Paused = d.Paused || st.Paused
	if st.Paused { // no activations while paused, cluster-wide as locally
		d.NextRuns = nil
	}
	if st.Paused && d.PauseReason == nil {
		d.PauseReason = fmt.Errorf("%w: %s", ErrPaused, st.Reason)
	}
	d.Cluster = st.Counts
	hist := st.History
	if k := len(hist) - n; k > 0 {
		hist = hist[k:]
	}
	d.LastRuns = hist
	return d
}

// claimBackfill claims, for a stored job, the ticks of a Backfill's runs
// as one range in the store, in a record of its own that leaves the mark
// alone, and marks the runs so that they skip the per-tick claim. When
// another replica claimed the same range first, or the store fails, it
// drops the runs and returns the error (wrapping ErrClaimed or ErrStore).
func claimBackfill[T any](j *Job[T], runs []*run[T]) error {
	if !j.stored() || len(runs) == 0 {
		return nil
	}
	s := j.s
	from, to := runs[0].tick, runs[len(runs)-1].tick
	err := callStore(func() error { return s.cfg.store.ClaimRange(context.Background(), j.name, from, to, s.cfg.replica) })
	switch {
	case err != nil && errors.Is(err, ErrClaimed):
		err = wrapf(err, "job %q: Backfill", j.name)
	case err != nil:
		err = j.storeFailed("backfill", from, err)
	}
	for _, r := range runs {
		if err != nil {
			r.cancel() // never started: stop watching the caller's context
			continue
		}
		s.st.hand(&r.runBase, Grant{Status: StatusWon, Tick: r.tick})
	}
	return err
}
