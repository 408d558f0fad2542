package periodic

import "time"

// A walk visits a span's ticks one by one, as sp.next(sp.next(x)) would.
// For most triggers that is what it does. An Or of members with fixed
// sets of activations (Every, Cron, At) is walked member by member
// instead: each member's next activation is kept, and only the members
// that fired at a tick are asked again, so a tick costs the Next of the
// members that fire then, not of all of them, and none of Or's own work
// (its budget, its zone conversions). It is where the misfire walk of
// count.go spends its time, walkCap ticks at a time, on the dispatcher.

// ticksAfter returns a function that yields, one per call, the ticks of
// sp after x, a tick: what sp.next(x), then sp.next of that, ... return.
func (sp tickSpan) ticksAfter(x time.Time) func() time.Time {
	if o, ok := sp.tr.(or); ok && fixedMembers(o.ts) {
		return newOrWalk(o, x, sp.loc).next
	}
	return func() time.Time {
		x = sp.next(x)
		return x
	}
}

// fixedMembers reports whether every member of a combinator is one of the
// package's triggers with a fixed set of activations, whose Next is pure
// and never panics, and which need no budget.
func fixedMembers(ts []Trigger) bool {
	for _, t := range ts {
		switch t.(type) {
		case grid, *cron, at:
		default:
			return false
		}
	}
	return true
}

// orWalk walks an Or by its members. pend holds each member's first
// activation after the last tick, or the zero time once it has ended.
type orWalk struct {
	ts   []Trigger
	pend []time.Time
	loc  *time.Location
}

// newOrWalk starts a walk of o after x, the members asked in loc as the
// job asks its trigger.
func newOrWalk(o or, x time.Time, loc *time.Location) *orWalk {
	w := &orWalk{ts: o.ts, pend: make([]time.Time, len(o.ts)), loc: loc}
	for i := range w.ts {
		w.ask(i, x)
	}
	return w
}

// ask sets member i's next activation after x, as Or's Next asks it:
// in the job's zone, with no monotonic reading, and ended (zero) when it
// does not move forward.
func (w *orWalk) ask(i int, x time.Time) {
	after := x.In(w.loc).Round(0)
	n := w.ts[i].Next(after)
	if !n.After(after) {
		n = time.Time{}
	}
	w.pend[i] = n
}

// next returns the next tick, the earliest of the members' next
// activations in the job's zone, and asks again the members that fire at
// it; the zero time once every member has ended. The members of a fixed
// set that did not fire would answer what they answered before.
func (w *orWalk) next() time.Time {
	var first time.Time
	for _, n := range w.pend {
		if !n.IsZero() && (first.IsZero() || n.Before(first)) {
			first = n
		}
	}
	if first.IsZero() {
		return first
	}
	tick := first.In(w.loc)
	for i, n := range w.pend {
		if n.Equal(first) {
			w.ask(i, tick)
		}
	}
	return tick
}
