package periodic

import (
	"cmp"
	"context"
	"sync/atomic"

	"github.com/periodic-go/periodic/internal/drive"
)

// This file holds the rule that orders deadlines due at the same instant,
// so that they are released in an order that depends only on the program,
// never on which goroutine happened to run first.
//
// Every run, and every task started with Go inside a run, has an origin:
// its place in a tree whose root is the scheduler. Jobs stand among the
// root's children in the order Schedule made them, and their runs just
// after them, in the order they were created (a tick's run when the tick
// fired, RunNow's when it was called): a job's number is its id in the
// high half and its runs count in the low half, so that an idle job needs
// no origin of its own. A Go task is a child of the run or task whose
// context it was started with, numbered in the order its parent started
// it. A deadline is a child too: a Sleep, a retry's wait or a jitter is
// numbered among the children of the task that registered it, in the
// order it did; a job's tick stands at its job's number, before its runs;
// a run's timeout is the run's child zero, and a Timeout is child zero of
// the task of the future it bounds. Each task numbers its children in its
// own goroutine's program order, so the numbers do not depend on how
// goroutines interleave.
//
// Deadlines at one instant are released in the order of their places in
// the tree (depth first: a task, then all that its earlier children made,
// then its later children), and in registration order when two share a
// place, which only timeouts on one task do.

// origin is a place in the order tree. Its fields other than made are
// written once, before it is shared.
type origin struct {
	up    *origin // the parent; nil for the scheduler's root
	n     uint64  // place among up's children, from 1
	depth int     // 0 for the root
	made  atomic.Uint64
}

// init makes o child n of up.
func (o *origin) init(up *origin, n uint64) {
	o.up, o.n, o.depth = up, n, up.depth+1
}

// next numbers a new child of o: a task it starts or a deadline it
// registers.
func (o *origin) next() uint64 { return o.made.Add(1) }

// place is where a deadline stands: child n of by.
type place struct {
	by *origin
	n  uint64
}

// comparePlaces orders two places depth first, or returns 0 for the same
// place. A place of no task (a nil by, which the scheduler does not make)
// compares equal to any, leaving the order to registration.
func comparePlaces(a, b place) int {
	x, xn, y, yn := a.by, a.n, b.by, b.n
	if x == nil || y == nil {
		return 0
	}
	for x.depth > y.depth {
		x, xn = x.up, x.n
	}
	for y.depth > x.depth {
		y, yn = y.up, y.n
	}
	for x != y && x != nil && y != nil {
		x, xn = x.up, x.n
		y, yn = y.up, y.n
	}
	return cmp.Compare(xn, yn)
}

// numberRun makes o the place of a new run of j. Jobs are the root's
// children, numbered by their id; a job's runs take their numbers from the
// same place, below the job's, so that a job stands for one number among
// the root's children and needs no origin of its own.
func (j *Job[T]) numberRun(o *origin) {
	o.init(&j.s.root, jobPlace(j.id)|uint64(j.runs.Add(1)))
}

// jobPlace is the root-level number of job id: its id in the high half,
// its runs' numbers in the low half.
func jobPlace(id uint32) uint64 { return uint64(id) << 32 }

// place returns where the job's tick stands: before all its runs.
func (j *Job[T]) place() place { return place{by: &j.s.root, n: jobPlace(j.id)} }

// group returns the job: its ticks are prepared and admitted in groups
// (release.go).
func (j *Job[T]) group() grouped { return j }

// rank returns the job's number among the root's children: the high
// half of its place's number, which orders it among other jobs (heap.go).
func (j *Job[T]) rank() uint32 { return uint32(j.place().n >> 32) }

// rank returns the number of the run's job among the root's children,
// the high half of the run's own number, or 0 for a run that is not a
// child of its scheduler's root (heap.go).
func (r *runBase) rank() uint32 {
	if r.origin.up != &r.s.root {
		return 0
	}
	return uint32(r.origin.n >> 32)
}

// place returns where the run's timeout stands: child zero of the run,
// before all that the run's function does, as it is armed before the
// function is called.
func (r *runBase) place() place { return place{by: &r.origin} }

// group returns nil: a run's timeout is fired alone.
func (r *runBase) group() grouped { return nil }

// originKey is the context key under which a Go task's context finds its
// origin. A run's context answers it with the run's origin.
type originKey struct{}

// originOf returns the origin of the task ctx belongs to, or nil outside a
// run.
func originOf(ctx context.Context) *origin {
	o, _ := ctx.Value(originKey{}).(*origin)
	return o
}

// taskCtx is the context of a Go task started inside a run: it carries
// the task's origin.
type taskCtx struct {
	context.Context
	o origin
}

// Value returns the task's origin for originKey and defers to the parent
// for other keys.
func (c *taskCtx) Value(key any) any {
	if key == (originKey{}) {
		return &c.o
	}
	return c.Context.Value(key)
}

// The hooks with which periodictest.Clock orders the timers of one instant
// that contexts of runs and tasks made through it: a WithTimeout or
// WithDeadline is numbered among its task's children, as a Sleep is.
func init() {
	drive.Place = func(ctx context.Context) any {
		o := originOf(ctx)
		if o == nil {
			return nil
		}
		return place{o, o.next()}
	}
	drive.ComparePlaces = func(a, b any) int { return comparePlaces(a.(place), b.(place)) }
}
