package periodic

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// This file holds runBase: the context of one run, and the part of a run
// the scheduler handles without knowing its type.

// runList is an intrusive list of runs; the scheduler's mu guards it.
type runList struct{ head *runBase }

// add puts r first.
func (l *runList) add(r *runBase) {
	r.before, r.next = nil, l.head
	if l.head != nil {
		l.head.before = r
	}
	l.head = r
}

// remove takes r out.
func (l *runList) remove(r *runBase) {
	if r.before != nil {
		r.before.next = r.next
	} else if l.head == r {
		l.head = r.next
	}
	if r.next != nil {
		r.next.before = r.before
	}
	r.before, r.next = nil, nil
}

// runKey is the context key under which a run's context finds itself.
type runKey struct{}

// runBase is the context of one run, and the part of a run the scheduler
// handles without knowing its type. Its parent, tick and deadline are
// fixed before the context escapes to user code (ARCHITECTURE.md).
type runBase struct {
	parent  context.Context // values; for Backfill also cancellation
	s       *Scheduler
	tick    time.Time
	ticked  bool     // started by a tick, not RunNow
	placed  runPlace // guarded by s.mu; changed only by moveLocked
	rearm   bool     // s.mu: its end arms its job's next tick (completion.go)
	attempt atomic.Int32
	extra   *runExtra // what few runs use; nil for a plain run
	origin  origin    // the run's place in the order of deadlines; see order.go
	self    typedRun  // the run with its type
	before  *runBase  // neighbours in the scheduler's runList
	next    *runBase
	books   runBooks   // goroutines of the run (itself, its Go tasks) and how many of them wait in Sleep or Await
	afters  afterFuncs // of derived contexts; see runpolicy.go
}

// runExtra holds the parts of a run that most runs never use: a plain run
// (no timeout, jitter, retry jitter or parent that can end) allocates
// none, and is half the size. It is made before the run's context
// escapes (newRunUnnumbered, drawLocked and armTimeout, the last two under s.mu)
// and never replaced.
type runExtra struct {
	parentDone <-chan struct{} // parent.Done(), nil when it cannot end
	deadlineAt time.Time       // the end of the run's timeout; zero for none
	deadline   entry           // the run's timeout in the heap, if any
	jitter     time.Duration   // the start delay drawn for it when it started
	jitterStop error           // s.mu: set while it waits its jitter: it must not start
	jitterWait bool            // s.mu: in its jitter delay, not started yet
	jitterSkip bool            // s.mu: jitterStop is a skip (Pause), not a refusal
	draws      *rand.Rand      // its retry jitter source, seeded when it started; or nil
}

// more returns the run's extra part, making it on first use; the caller
// holds s.mu or the run has not escaped yet.
func (r *runBase) more() *runExtra {
	if r.extra == nil {
		r.extra = &runExtra{deadline: entry{index: -1}}
	}
	return r.extra
}

// parentDone returns the Done channel of the run's parent, nil when the
// parent cannot end.
func (r *runBase) parentDone() <-chan struct{} {
	if r.extra == nil {
		return nil
	}
	return r.extra.parentDone
}

// jitter returns the start delay drawn for the run.
func (r *runBase) jitter() time.Duration {
	if r.extra == nil {
		return 0
	}
	return r.extra.jitter
}

// draws returns the run's retry jitter source, or nil.
func (r *runBase) draws() *rand.Rand {
	if r.extra == nil {
		return nil
	}
	return r.extra.draws
}

// typedRun is what code that holds a *runBase asks of the *run[T] it is
// part of.
type typedRun interface {
	Name() string  // its job's name, for messages
	previous() any // the *Future[T] of its job's run before it, for Previous; s.mu
}

// Name returns the name of the run's job.
func (r *run[T]) Name() string { return r.job.Name() }

// previous returns the future of the job's run before r while r is in
// flight, else nil; s.mu is held.
func (r *run[T]) previous() any {
	if r.prev == nil {
		return nil
	}
	return r.prev
}

// Why a run's context ended.
const (
	endCancel  uint8 = iota + 1 // Cancel, OverlapReplace, Shutdown, return
	endTimeout                  // WithTimeout
	endParent                   // the Backfill's context
)

// Value returns the run itself for runKey, and defers to the parent for
// other keys.
func (r *runBase) Value(key any) any {
	switch key {
	case runKey{}:
		return r
	case originKey{}:
		return &r.origin
	}
	return r.parent.Value(key)
}

// Done returns a channel closed when the run's context ends: the run was
// cancelled, timed out, returned, or its parent ended.
func (r *runBase) Done() <-chan struct{} {
	a := &r.afters
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done == nil {
		if a.why.Load() != 0 {
			return closedChan
		}
		a.done = make(chan struct{})
	}
	return a.done
}

// Err returns nil until Done is closed, then context.DeadlineExceeded if
// the run's timeout ended it, the parent's error if the parent did, else
// context.Canceled.
func (r *runBase) Err() error {
	switch r.afters.ended() {
	case 0:
		return nil
	case endTimeout:
		return context.DeadlineExceeded
	case endParent:
		return r.parent.Err()
	}
	return context.Canceled
}

// Deadline returns the end of the run's timeout, if it has one. It is
// fixed before the run's context reaches user code.
func (r *runBase) Deadline() (time.Time, bool) {
	if r.extra == nil {
		return time.Time{}, false
	}
	return r.extra.deadlineAt, !r.extra.deadlineAt.IsZero()
}

// cancel ends the run's context.
func (r *runBase) cancel() { r.afters.end(endCancel) }

// fire ends the run's context when its timeout passes.
func (r *runBase) fire(_ *entry, _ time.Time) { r.afters.end(endTimeout) }

// timedOut reports whether the run's timeout ended its context.
func (r *runBase) timedOut() bool { return r.afters.ended() == endTimeout }

// parentEnded ends the run's context if its parent has ended.
func (r *runBase) parentEnded() {
	select {
	case <-r.parentDone():
		r.afters.end(endParent)
	default:
	}
}

// runOf returns the run that ctx belongs to, or nil.
func runOf(ctx context.Context) *runBase {
	r, _ := ctx.Value(runKey{}).(*runBase)
	return r
}

// TickFrom returns the scheduled tick of the run that ctx belongs to: the
// instant the trigger named, not the moment the run started, or the time
// RunNow was called. It returns the zero time outside a run.
func TickFrom(ctx context.Context) time.Time {
	if r := runOf(ctx); r != nil {
		return r.tick
	}
	return time.Time{}
}

// Attempt returns the attempt number (1 for the first) of the run that ctx
// belongs to, for jobs with WithRetry. It returns 0 outside a run.
func Attempt(ctx context.Context) int {
	if r := runOf(ctx); r != nil {
		return int(r.attempt.Load())
	}
	return 0
}
