package periodic

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// RunRecord is one finished run of a job, as Describe reports it.
type RunRecord struct {
	Tick  time.Time // the scheduled tick (or the RunNow time)
	Start time.Time // when the job's function was called
	End   time.Time // when it returned
	Err   error     // nil on success; ErrCancelled when cancelled
}

// Description is a job's state at a glance: what it will do, what it did,
// and what it skipped. Describe returns it.
type Description struct {
	Name        string
	Trigger     string // the trigger, formatted with %v
	Paused      bool
	PauseReason error       // why the job paused itself, or nil
	NextRuns    []time.Time // the next activations, computed, not run
	LastRuns    []RunRecord // the latest finished runs, oldest first
	Stats       Stats       // Skips: by overlap (local or cluster) or cluster pause; Dropped: late ticks never run; Misfires: late ticks
	Cluster     StoreCounts // with WithStore: the counters of every replica
}

// MaxDescribe caps the n of Describe: the activations and runs one
// Description lists, so that a large n cannot exhaust memory.
const MaxDescribe = 1000

// Describe returns the job's next n activations (computed from its
// trigger, within WithLimit and WithStopAt; none while paused, on this
// replica or, with WithStore, cluster-wide; before Start, those NextRun
// documents: none for Every until Start fixes its anchor, unless
// WithStartAt does), up to n of
// its latest finished runs (as many as WithHistory keeps), and its
// counters. A negative n is read as zero, and an n above MaxDescribe
// (1,000) as MaxDescribe. It is safe for use by several goroutines.
func (j *Job[T]) Describe(n int) Description {
	n = min(max(n, 0), MaxDescribe) // a negative n asks for nothing; a huge one is capped
	s := j.s
	s.mu.Lock()
	l := j.l()
	d := Description{Name: j.name, Paused: j.state == jobPaused, PauseReason: l.pausedBy, Stats: l.stats}
	next, left := time.Time{}, n
	preview := j.previewLocked()
	if j.state == jobActive && !j.awaitEnd { // awaiting a run's end: not known yet
		next = j.tick.when
	}
	if (preview || j.state == jobActive) && j.conf().limit > 0 {
		left = min(n, j.conf().limit-j.tickCount())
	}
	hist := append(slices.Clone(l.history[l.histNext:]), l.history[:l.histNext]...)
	s.mu.Unlock()
	if preview { // before Start: see NextRun
		next = j.preview()
	}
	d.Trigger = fmt.Sprint(j.trig()) // user code, never under the lock; fmt recovers a panic in String
	for ; !next.IsZero() && len(d.NextRuns) < left; next = j.next(next) {
		d.NextRuns = append(d.NextRuns, next)
	}
	if k := len(hist) - n; k > 0 {
		hist = hist[k:]
	}
	d.LastRuns = hist
	return j.describeStored(d, n) // store_job.go: the cluster's history
}

// PauseReason returns the failure that paused the job (WithPauseOnFailure),
// or nil when it runs or was paused by Pause. Resume clears it.
func (j *Job[T]) PauseReason() error {
	j.s.mu.Lock()
	defer j.s.mu.Unlock()
	return j.l().pausedBy
}

// Previous returns the future of the run of the same job that started
// before the run ctx belongs to, so a run can see how the last one went
// (it may still be in flight under OverlapAllow). It returns nil for a
// job's first run, outside a run, once the run has returned (a run keeps
// no link to older runs, so finished runs become garbage), or when T is
// not the job's type.
func Previous[T any](ctx context.Context) *Future[T] {
	r := runOf(ctx)
	if r == nil {
		return nil
	}
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	f, _ := r.self.previous().(*Future[T])
	return f
}

// recordLocked remembers a finished run and, for WithPauseOnFailure,
// pauses the job after a failure.
func (j *Job[T]) recordLocked(tick, start, end time.Time, err error) {
	l := j.l()
	if h := j.conf().history; h > 0 {
		rec := RunRecord{Tick: tick, Start: start, End: end, Err: err}
		if len(l.history) < h {
			if l.history == nil { // a small ring at its size at once: no growth, no overshoot
				l.history = make([]RunRecord, 0, min(h, 32))
			}
			l.history = append(l.history, rec)
		} else {
			l.history[l.histNext] = rec
			l.histNext = (l.histNext + 1) % h
		}
	}
	if j.conf().pauseFail && failure(err) && j.state == jobActive && !j.stored() { // stored: the store's pause (store_run.go)
		j.s.heap.remove(&j.tick)
		j.state = jobPaused
		l.pausedBy = err
	}
}

// failure reports whether err is a failure of the job itself, not a
// cancellation, a skipped tick or a tick another replica claimed.
func failure(err error) bool {
	return err != nil && !isCancel(err) && !errors.Is(err, ErrSkipped) && !errors.Is(err, ErrClaimed)
}
