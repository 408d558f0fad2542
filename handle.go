package periodic

import "time"

// AnyFuture is the part of a Future that does not depend on its result
// type; every *Future[T] is one. JobHandle hands runs out as AnyFuture so
// that code serving jobs of any type (a dashboard, an admin endpoint) can
// watch and cancel them.
type AnyFuture interface {
	Done() <-chan struct{}
	Err() error
	Cancel() bool
	Cancelled() bool
	OnSettled(fn func()) (stop func() bool)
}

// OnSettled is OnDone for callers that do not need the value: fn runs
// once the future has settled, under OnDone's rules (after Done closes, in
// registration order, never inside the call; a panic is recovered). The
// returned stop reports whether it prevented the call.
func (f *Future[T]) OnSettled(fn func()) (stop func() bool) {
	return f.OnDone(func(*Future[T]) { fn() })
}

// JobHandle is a job seen without its result type: what a *Job[T] offers
// that does not depend on T. Scheduler.Handles lists them. Its methods are
// those of Job and, like them, safe for use by several goroutines.
type JobHandle interface {
	Name() string
	Tags() []string
	Describe(n int) Description
	Paused() bool
	Pause()
	Resume()
	RunNowAny() AnyFuture
	OnRunAny(fn func(tick time.Time, f AnyFuture)) (stop func() bool)
}

// RunNowAny is RunNow with the future's type erased, for JobHandle.
func (j *Job[T]) RunNowAny() AnyFuture { return j.RunNow() }

// OnRunAny is OnRun with the future's type erased, for JobHandle: fn sees
// every run as it starts, each RunNow and each skipped tick, on the same
// goroutines and under the same rules as OnRun.
func (j *Job[T]) OnRunAny(fn func(tick time.Time, f AnyFuture)) (stop func() bool) {
	return j.OnRun(func(tick time.Time, f *Future[T]) { fn(tick, f) })
}

// Handles returns the scheduler's jobs without their types, in the order
// they were scheduled; removed jobs are not listed. It does not block on
// runs and is safe for use by several goroutines.
func (s *Scheduler) Handles() []JobHandle {
	hs := s.jobsInOrder()
	out := make([]JobHandle, 0, len(hs))
	for _, h := range hs {
		if jh, ok := h.(JobHandle); ok {
			out = append(out, jh)
		}
	}
	return out
}
