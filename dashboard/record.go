package dashboard

import (
	"slices"
	"sync"
	"time"

	"github.com/periodic-go/periodic"
)

// Run is one run of a job as the dashboard saw it: in flight while End is
// zero. Skipped ticks are runs that ended as they started.
type Run struct {
	Tick  time.Time // the scheduled tick (or the RunNow time)
	Start time.Time // when the run started, on the scheduler's clock
	End   time.Time // when it settled; zero while in flight
	Err   error     // nil on success
}

// recorder keeps, per job, the runs in flight and a ring of the latest
// finished ones, fed by OnRunAny and OnSettled callbacks. Its callbacks run
// on the scheduler's goroutines and only take mu for a few field updates.
type recorder struct {
	s    *periodic.Scheduler
	keep int // finished runs kept per job

	// mu guards jobs, version and changed.
	mu      sync.Mutex
	jobs    map[periodic.JobHandle]*jobRuns
	version uint64        // bumped on every change
	changed chan struct{} // closed and replaced on every change
	closed  bool
}

// jobRuns is what the recorder knows of one job; guarded by recorder.mu.
type jobRuns struct {
	stop    func() bool
	running []*Run // in start order
	done    []Run  // finished, oldest first, at most keep
}

// newRecorder returns a recorder for s's jobs keeping keep finished runs
// of each.
func newRecorder(s *periodic.Scheduler, keep int) *recorder {
	return &recorder{s: s, keep: keep, jobs: map[periodic.JobHandle]*jobRuns{}, changed: make(chan struct{})}
}

// attach starts watching the jobs of hs not yet watched, seeding each with
// the finished runs Describe remembers, and forgets jobs no longer listed.
func (rc *recorder) attach(hs []periodic.JobHandle) {
	rc.mu.Lock()
	var fresh []periodic.JobHandle
	for _, h := range hs {
		if _, ok := rc.jobs[h]; !ok && !rc.closed {
			rc.jobs[h] = &jobRuns{}
			fresh = append(fresh, h)
		}
	}
	gone := rc.forgetLocked(hs)
	rc.mu.Unlock()
	for _, stop := range gone {
		stop()
	}
	for _, h := range fresh {
		rc.watch(h)
	}
}

// forgetLocked drops the jobs not in hs and returns their stop functions.
func (rc *recorder) forgetLocked(hs []periodic.JobHandle) []func() bool {
	keep := make(map[periodic.JobHandle]bool, len(hs))
	for _, h := range hs {
		keep[h] = true
	}
	var gone []func() bool
	for h, jr := range rc.jobs {
		if !keep[h] {
			delete(rc.jobs, h)
			if jr.stop != nil {
				gone = append(gone, jr.stop)
			}
		}
	}
	return gone
}

// watch seeds h's history and registers the OnRunAny callback.
func (rc *recorder) watch(h periodic.JobHandle) {
	seed := h.Describe(rc.keep).LastRuns
	stop := h.OnRunAny(func(tick time.Time, f periodic.AnyFuture) { rc.started(h, tick, f) })
	if !rc.adopt(h, stop, seed) {
		stop() // closed or forgotten meanwhile
	}
}

// adopt records h's stop function and seed history, unless h is no
// longer watched.
func (rc *recorder) adopt(h periodic.JobHandle, stop func() bool, seed []periodic.RunRecord) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	jr, ok := rc.jobs[h]
	if !ok {
		return false
	}
	jr.stop = stop
	for _, r := range seed {
		if !slices.ContainsFunc(jr.done, func(d Run) bool { return d.Start.Equal(r.Start) && d.Tick.Equal(r.Tick) }) {
			jr.done = append(jr.done, Run{Tick: r.Tick, Start: r.Start, End: r.End, Err: r.Err})
		}
	}
	slices.SortStableFunc(jr.done, func(a, b Run) int { return a.End.Compare(b.End) })
	jr.done = trim(jr.done, rc.keep)
	rc.bumpLocked()
	return true
}

// started records a run of h that is starting and arranges to record its end.
func (rc *recorder) started(h periodic.JobHandle, tick time.Time, f periodic.AnyFuture) {
	run := &Run{Tick: tick, Start: rc.s.Now()}
	rc.mu.Lock()
	if jr, ok := rc.jobs[h]; ok {
		jr.running = append(jr.running, run)
		rc.bumpLocked()
	}
	rc.mu.Unlock()
	f.OnSettled(func() { rc.ended(h, run, f.Err()) })
}

// ended moves run from h's runs in flight to its finished runs.
func (rc *recorder) ended(h periodic.JobHandle, run *Run, err error) {
	end := rc.s.Now()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	jr, ok := rc.jobs[h]
	if !ok {
		return
	}
	jr.running = slices.DeleteFunc(jr.running, func(r *Run) bool { return r == run })
	jr.done = trim(append(jr.done, Run{Tick: run.Tick, Start: run.Start, End: end, Err: err}), rc.keep)
	rc.bumpLocked()
}

// trim keeps the last n runs of rs.
func trim(rs []Run, n int) []Run {
	if k := len(rs) - n; k > 0 {
		return slices.Delete(rs, 0, k)
	}
	return rs
}

// bumpLocked marks a change and wakes the streams.
func (rc *recorder) bumpLocked() {
	rc.version++
	close(rc.changed)
	rc.changed = make(chan struct{})
}

// runs returns copies of h's runs in flight and finished runs.
func (rc *recorder) runs(h periodic.JobHandle) (running, done []Run) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	jr, ok := rc.jobs[h]
	if !ok {
		return nil, nil
	}
	for _, r := range jr.running {
		running = append(running, *r)
	}
	return running, slices.Clone(jr.done)
}

// watchChanges returns the current version and a channel closed on the next change.
func (rc *recorder) watchChanges() (uint64, <-chan struct{}) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.version, rc.changed
}

// close stops watching every job; later runs are not recorded.
func (rc *recorder) close() {
	rc.mu.Lock()
	rc.closed = true
	gone := rc.forgetLocked(nil)
	rc.mu.Unlock()
	for _, stop := range gone {
		stop()
	}
}
