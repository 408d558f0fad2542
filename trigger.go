package periodic

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Trigger tells a scheduler when a job runs. Next returns the first
// activation strictly after the given instant, or the zero time when there
// is none. Implementations must be pure: the same input gives the same
// output, and Next is safe to call from several goroutines.
//
// The scheduler always asks for the activation after the previous
// scheduled tick, never after the time a run actually started, so ticks
// never drift however late a run begins.
type Trigger interface {
	Next(after time.Time) time.Time
}

// every is the trigger returned by Every.
type every struct{ d time.Duration }

// Every returns a trigger that fires every d. Ticks are anchored: the k-th
// tick of a job is at anchor + k*d, where the anchor is the job's start (see
// WithStartAt and StartImmediately). A d of zero or less is reported as an
// error by Schedule.
func Every(d time.Duration) Trigger { return every{d} }

// Next returns after + d.
func (e every) Next(after time.Time) time.Time { return after.Add(e.d) }

// String returns a description such as "every 10s".
func (e every) String() string { return "every " + e.d.String() }

// validate reports a non-positive interval.
func (e every) validate() error {
	if e.d <= 0 {
		return fmt.Errorf("%w: Every(%v): the interval must be positive", ErrInvalid, e.d)
	}
	return nil
}

// at is the trigger returned by At.
type at struct{ times []time.Time }

// At returns a trigger that fires once at each of the given instants, in
// time order, whatever order they are given in. Duplicates fire once. With
// no instants, Schedule reports an error.
func At(times ...time.Time) Trigger {
	ts := slices.Clone(times)
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	ts = slices.CompactFunc(ts, func(a, b time.Time) bool { return a.Equal(b) })
	return at{ts}
}

// Next returns the first of the instants after the given one.
func (a at) Next(after time.Time) time.Time {
	i, _ := slices.BinarySearchFunc(a.times, after, func(t, target time.Time) int {
		if t.After(target) {
			return 1
		}
		return -1
	})
	if i == len(a.times) {
		return time.Time{}
	}
	return a.times[i]
}

// validate reports an empty list of instants.
func (a at) validate() error {
	if len(a.times) == 0 {
		return fmt.Errorf("%w: At(): no instants given", ErrInvalid)
	}
	return nil
}

// String lists the instants in RFC 3339, as "at(T1, T2)".
func (a at) String() string {
	ts := make([]string, len(a.times))
	for i, t := range a.times {
		ts[i] = t.Format(time.RFC3339Nano)
	}
	return "at(" + strings.Join(ts, ", ") + ")"
}
