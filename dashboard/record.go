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
// finished ones, fed by OnRunAny and OnSettled callbacks, and signals the
// streams on every change. The callbacks run on the scheduler's
// goroutines and hold mu only for O(1) updates; mu is never held while
// calling the scheduler.
type recorder struct {
	s    *periodic.Scheduler
	keep int // finished runs kept per job

	// mu guards the fields below.
	mu      sync.Mutex
	jobs    map[periodic.JobHandle]*jobRuns
	subs    map[chan struct{}]struct{} // one per stream, buffered 1
	version uint64                     // bumped on every change
	closed  bool
}

// jobRuns is what the recorder knows of one job; guarded by recorder.mu.
type jobRuns struct {
	stop    func() bool
	running map[*Run]struct{}
	done    ring
}

// newRecorder returns a recorder for s's jobs keeping keep finished runs
// of each.
func newRecorder(s *periodic.Scheduler, keep int) *recorder {
	return &recorder{s: s, keep: keep, jobs: map[periodic.JobHandle]*jobRuns{}, subs: map[chan struct{}]struct{}{}}
}

// attach starts watching the jobs of hs not yet watched, seeding each with
// the finished runs Describe remembers, and forgets jobs no longer listed.
func (rc *recorder) attach(hs []periodic.JobHandle) {
	rc.mu.Lock()
	var fresh []periodic.JobHandle
	for _, h := range hs {
		if _, ok := rc.jobs[h]; !ok && !rc.closed {
			rc.jobs[h] = &jobRuns{running: map[*Run]struct{}{}}
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
	runs := jr.done.all() // the runs that ended since Describe
	for _, r := range seed {
		if !slices.ContainsFunc(runs, func(d Run) bool { return d.Start.Equal(r.Start) && d.Tick.Equal(r.Tick) }) {
			runs = append(runs, Run{Tick: r.Tick, Start: r.Start, End: r.End, Err: r.Err})
		}
	}
	slices.SortStableFunc(runs, func(a, b Run) int { return a.End.Compare(b.End) })
	jr.done = ring{}
	for _, r := range runs {
		jr.done.add(r, rc.keep)
	}
	rc.bumpLocked()
	return true
}

// started records a run of h that is starting and arranges to record its end.
func (rc *recorder) started(h periodic.JobHandle, tick time.Time, f periodic.AnyFuture) {
	run := &Run{Tick: tick, Start: rc.s.Now()}
	rc.mu.Lock()
	if jr, ok := rc.jobs[h]; ok {
		jr.running[run] = struct{}{}
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
	delete(jr.running, run)
	jr.done.add(Run{Tick: run.Tick, Start: run.Start, End: end, Err: err}, rc.keep)
	rc.bumpLocked()
}

// bumpLocked marks a change and signals every stream.
func (rc *recorder) bumpLocked() {
	rc.version++
	for ch := range rc.subs {
		select {
		case ch <- struct{}{}:
		default: // a signal is pending already
		}
	}
}

// subscribe returns a channel that receives a signal after each change
// (several changes may share one) and the function that ends it.
func (rc *recorder) subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	rc.mu.Lock()
	rc.subs[ch] = struct{}{}
	rc.mu.Unlock()
	return ch, func() {
		rc.mu.Lock()
		delete(rc.subs, ch)
		rc.mu.Unlock()
	}
}

// currentVersion returns the number of changes so far.
func (rc *recorder) currentVersion() uint64 {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.version
}

// runs returns copies of h's runs in flight, by start, and of its finished
// runs, oldest first.
func (rc *recorder) runs(h periodic.JobHandle) (running, done []Run) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	jr, ok := rc.jobs[h]
	if !ok {
		return nil, nil
	}
	for r := range jr.running {
		running = append(running, *r)
	}
	slices.SortFunc(running, func(a, b Run) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return a.Tick.Compare(b.Tick)
	})
	return running, jr.done.all()
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

// ring holds a job's latest finished runs, at most n of them (n is the
// recorder's keep, passed to add), so that recording a run is O(1).
type ring struct {
	runs []Run
	next int // where the next run goes once the ring is full
}

// add records r, dropping the oldest run when n are kept already.
func (g *ring) add(r Run, n int) {
	switch {
	case n == 0:
	case len(g.runs) < n:
		g.runs = append(g.runs, r)
	default:
		g.runs[g.next] = r
		g.next = (g.next + 1) % n
	}
}

// all returns the runs, oldest first.
func (g *ring) all() []Run {
	return append(slices.Clone(g.runs[g.next:]), g.runs[:g.next]...)
}
