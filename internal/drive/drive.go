// Package drive connects package periodictest to the scheduler's internals
// without widening periodic's public API.
package drive

import "time"

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
)
