// Package drive connects package periodictest to the scheduler's internals
// without widening periodic's public API.
package drive

import (
	"context"
	"time"
)

// Driven is implemented by clocks that periodictest moves itself: a
// scheduler on such a clock arms no timer of its own.
type Driven interface{ drivenClock() }

// Marker implements Driven when embedded in a clock type.
type Marker struct{}

func (Marker) drivenClock() {}

// Set by package periodic; called by periodictest with a *periodic.Scheduler.
var (
	// Drive makes the scheduler leave deadlines to periodictest.
	Drive func(s any)
	// Next returns the scheduler's earliest deadline.
	Next func(s any) (time.Time, bool)
	// Settle waits until the scheduler is idle without releasing the
	// deadlines due, or returns ctx.Err().
	Settle func(ctx context.Context, s any) error
	// NotIdle names what keeps the scheduler from being idle, or returns
	// "" if it is idle.
	NotIdle func(s any) string
	// Place numbers a new child of the run or Go task ctx belongs to and
	// returns its place in the order tree of one instant, or nil outside a
	// run.
	Place func(ctx context.Context) any
	// ComparePlaces orders two non-nil places returned by Place.
	ComparePlaces func(a, b any) int
)

// ClockPending is set by package periodictest: for one of its clocks, it
// names the timers pending on it, or returns "" if none is, and returns a
// channel closed when the next timer is made on it. For any other clock it
// returns "" and nil.
var ClockPending func(clock any) (string, <-chan struct{})
