package periodic

import "time"

// A job's next runs before Start (Describe, NextRun): its first tick is
// trigger.Next(anchor), and the anchor is the time of Start unless
// WithStartAt fixes it. The ticks of some triggers do not depend on the
// anchor, so they can be shown before Start, as if it started now.

// anchorFree reports whether t's ticks are the same whatever the job's
// anchor: Cron and At name instants, and the combinators align their Every
// members to the Unix epoch. Every counts from the anchor, and a user's
// trigger may too, so neither is anchor-free.
func anchorFree(t Trigger) bool {
	switch t.(type) {
	case *cron, at, or, and, except:
		return true
	}
	return false
}

// previewLocked reports whether the job's next runs can be computed
// before Start: it is idle, and its anchor is fixed (WithStartAt) or does
// not matter (an anchor-free trigger, without StartImmediately, whose
// first run is Start itself). s.mu must be held.
func (j *Job[T]) previewLocked() bool {
	if j.state != jobIdle {
		return false
	}
	if !j.conf().startAt.IsZero() {
		return true
	}
	return !j.conf().immediate && anchorFree(j.trig())
}

// preview returns the first tick the job would have if the scheduler
// started now; s.mu is not held, since it calls the trigger.
func (j *Job[T]) preview() time.Time {
	return j.first(j.s.Now())
}
