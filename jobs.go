package periodic

import (
	"slices"
	"time"
)

// info describes the job.
func (j *Job[T]) info() JobInfo {
	return JobInfo{Name: j.Name(), Tags: j.Tags(), NextRun: j.NextRun(), Paused: j.Paused(), Stats: j.Stats()}
}

// jobHandle is a job seen by the scheduler without its type.
type jobHandle interface {
	arm(now time.Time)
	closeLocked(out []refusal, err error) []refusal
	info() JobInfo
	remove()
}

// remove is Remove, for the scheduler.
func (j *Job[T]) remove() { j.Remove() }

// JobInfo describes a job, for listing.
type JobInfo struct {
	Name    string
	Tags    []string
	NextRun time.Time // zero when it will not run again or is paused
	Paused  bool
	Stats   Stats
}

// Jobs lists the scheduler's jobs in the order they were scheduled.
func (s *Scheduler) Jobs() []JobInfo {
	hs := s.jobsInOrder()
	out := make([]JobInfo, len(hs))
	for i, h := range hs {
		out[i] = h.info()
	}
	return out
}

// RemoveByTag removes every job carrying tag and returns how many it
// removed.
func (s *Scheduler) RemoveByTag(tag string) int {
	n := 0
	for _, h := range s.jobsInOrder() {
		if slices.Contains(h.info().Tags, tag) {
			h.remove()
			n++
		}
	}
	return n
}

// jobsInOrder returns the jobs sorted by registration.
func (s *Scheduler) jobsInOrder() []jobHandle {
	s.mu.Lock()
	defer s.mu.Unlock()
	hs := make([]jobHandle, len(s.jobs))
	for i, e := range s.jobs {
		hs[i] = jobAt(e)
	}
	return hs
}

// jobAt returns the job whose tick entry e is (s.jobs).
func jobAt(e *entry) jobHandle { return e.ev.(jobHandle) }
