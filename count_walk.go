package periodic

import (
	"slices"
	"time"
)

// A walk visits a span's ticks one by one, as sp.next(sp.next(x)) would.
// For most triggers that is what it does. An Or of members with fixed
// sets of activations (Every, Cron, At) is walked member by member
// instead: each member's next activation is kept, and only the members
// that fired at a tick are asked again, so a tick costs the Next of the
// members that fire then, not of all of them, and none of Or's own work
// (its budget, its zone conversions). It is where the misfire walk of
// count.go spends its time, within the misfire's budget, on the dispatcher.
// An And of such members is walked likewise: its rounds ask again only
// the members behind the latest, where And's Next asks all of them. An
// Except of such a trigger, by a skip trigger made of such members
// (fixedTree), is walked with its trigger as a member, each activation
// checked against the skip as Except's Next checks it.
//
// Each member asked is one call of the misfire's budget (count.go); a
// walk that has spent it returns the zero time, and the walk of count.go
// tells that from an end by the budget.

// ticksAfter returns a function that yields, one per call, the ticks of
// sp after x, a tick: what sp.next(x), then sp.next of that, ... return.
func (sp tickSpan) ticksAfter(x time.Time) func() time.Time {
	switch tr := sp.tr.(type) {
	case or:
		if ts, ok := flatOr(tr.ts, nil); ok {
			return newOrWalk(ts, x, sp.loc, sp.budget).next
		}
	case and:
		// Past nextLimits.calls/rounds members, And's budget could run
		// out before its rounds do: left to its Next.
		if fixedMembers(tr.ts) && len(tr.ts)*nextLimits.rounds <= nextLimits.calls {
			return newAndWalk(tr, x, sp.loc, sp.budget).next
		}
	case except:
		if fixedMembers([]Trigger{tr.t}) && fixedTree(tr.skip) {
			return newExceptWalk(tr, x, sp.loc, sp.budget).next
		}
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

// fixedTree reports whether t is one of the package's triggers with a
// fixed set of activations, or a combinator of such triggers only: its
// Next is pure and never panics.
func fixedTree(t Trigger) bool {
	switch t := t.(type) {
	case grid, *cron, at:
		return true
	case or:
		return !slices.ContainsFunc(t.ts, func(m Trigger) bool { return !fixedTree(m) })
	case and:
		return !slices.ContainsFunc(t.ts, func(m Trigger) bool { return !fixedTree(m) })
	case except:
		return fixedTree(t.t) && fixedTree(t.skip)
	}
	return false
}

// members holds each member's first activation after the instant it was
// last asked from, or the zero time once it has ended, and asks them as a
// combinator's Next does, each ask charged to calls (nil: none).
type members struct {
	ts    []Trigger
	pend  []time.Time
	steps []cronStep // for Cron members, their Next without a search
	loc   *time.Location
	calls *callBudget
}

// spent reports whether the misfire's budget is spent.
func (w *members) spent() bool { return w.calls.spent() }

// ask sets member i's first activation after x, asked as a combinator
// asks it: in the job's zone, with no monotonic reading, and ended (zero)
// when it does not move forward.
func (w *members) ask(i int, x time.Time) { w.askFrom(i, x.In(w.loc).Round(0)) }

// askFrom is ask from after, already in the job's zone with no monotonic
// reading.
func (w *members) askFrom(i int, after time.Time) {
	w.calls.charge(1)
	var n time.Time
	if c, ok := w.ts[i].(*cron); ok {
		n = w.steps[i].next(c, after)
	} else {
		n = w.ts[i].Next(after)
	}
	if !n.After(after) {
		n = time.Time{}
	}
	w.pend[i] = n
}

// askAll asks every member from x, charging calls.
func (w *members) askAll(ts []Trigger, x time.Time, loc *time.Location, calls *callBudget) {
	w.ts, w.pend, w.steps, w.loc, w.calls = ts, make([]time.Time, len(ts)), make([]cronStep, len(ts)), loc, calls
	for i := range ts {
		w.ask(i, x)
	}
}

// flatOr appends to out the members of an Or, those of nested Ors in
// their place, and reports whether they all have fixed sets. An Or of Ors
// is the Or of all their members: Next takes the earliest of each nested
// one's earliest, and the budget they share cannot run out with members
// that make no calls of their own.
func flatOr(ts, out []Trigger) ([]Trigger, bool) {
	for _, t := range ts {
		if o, ok := t.(or); ok {
			var fixed bool
			if out, fixed = flatOr(o.ts, out); !fixed {
				return nil, false
			}
			continue
		}
		if !fixedMembers([]Trigger{t}) {
			return nil, false
		}
		out = append(out, t)
	}
	return out, true
}

// orWalk walks an Or by its members.
type orWalk struct{ members }

// newOrWalk starts a walk of the Or of ts after x, a tick, in the job's
// zone loc, charging calls.
func newOrWalk(ts []Trigger, x time.Time, loc *time.Location, calls *callBudget) *orWalk {
	w := &orWalk{}
	w.askAll(ts, x, loc, calls)
	return w
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
	after := tick.Round(0)
	for i := range w.pend {
		if w.pend[i].Equal(first) {
			w.askFrom(i, after)
		}
	}
	return tick
}

// andWalk walks an And by its members. done is set once it has ended.
type andWalk struct {
	members
	done bool
}

// newAndWalk starts a walk of a after x, a tick, in the job's zone loc,
// charging calls: the first round of its next tick asks every member
// from x.
func newAndWalk(a and, x time.Time, loc *time.Location, calls *callBudget) *andWalk {
	w := &andWalk{}
	w.askAll(a.ts, x, loc, calls)
	return w
}

// next returns the next tick, where every member fires, or the zero time
// once a member has ended or they have not met within And's rounds (or
// the budget is spent: the walk of count.go tells). A
// round takes the latest of the members' activations and asks again
// those behind it, from just before it: the others, of fixed sets, would
// answer the latest again. The first round of the tick after is asked
// from this one, as And's Next would be.
func (w *andWalk) next() time.Time {
	for range nextLimits.rounds {
		if w.done {
			break
		}
		if w.spent() {
			return time.Time{}
		}
		latest, agree := w.latest()
		if latest.IsZero() {
			break
		}
		if agree {
			tick := latest.In(w.loc)
			after := tick.Round(0)
			for i := range w.ts {
				w.askFrom(i, after)
			}
			return tick
		}
		from := latest.Add(-time.Nanosecond).In(w.loc).Round(0)
		for i := range w.pend {
			if w.pend[i].Before(latest) {
				w.askFrom(i, from)
			}
		}
	}
	w.done = true
	return time.Time{}
}

// latest returns the latest of the members' activations, or the zero time
// when one has ended, and whether they all agree.
func (w *andWalk) latest() (time.Time, bool) {
	var latest time.Time
	agree := true
	for i, n := range w.pend {
		if n.IsZero() {
			return n, false
		}
		if i > 0 && !n.Equal(latest) {
			agree = false
		}
		if i == 0 || n.After(latest) {
			latest = n
		}
	}
	return latest, agree
}

// exceptWalk walks an Except by its trigger, a member, and its skip.
// done is set once it has ended.
type exceptWalk struct {
	members
	skip  Trigger
	names cronStep // for a Cron skip with a unit: its names without a search
	b     budget   // the budget of the Next being walked
	done  bool
}

// newExceptWalk starts a walk of e after x, a tick, in the job's zone
// loc, charging calls: it asks e's trigger for its first activation after
// x, the first candidate.
func newExceptWalk(e except, x time.Time, loc *time.Location, calls *callBudget) *exceptWalk {
	w := &exceptWalk{skip: e.skip}
	w.askAll([]Trigger{e.t}, x, loc, calls)
	return w
}

// next returns the next tick, the first candidate that the skip trigger
// does not exclude, and asks the trigger for the candidate after it; the
// zero time once the trigger has ended, or Except's Next would have given
// up (more than nextLimits.skips candidates excluded in a row, or more
// than nextLimits.calls calls), or the budget is spent (the walk of
// count.go tells). Its Next and excludes are asked as Except's Next asks
// them, one candidate at a time, with the budget of one Next.
func (w *exceptWalk) next() time.Time {
	w.b = budget{limits: nextLimits, left: nextLimits.calls}
	b := &w.b
	for range nextLimits.skips {
		if w.done || w.spent() {
			return time.Time{}
		}
		b.left-- // the candidate's memberNext, asked ahead
		x := w.pend[0]
		if x.IsZero() || b.left < 0 {
			break
		}
		tick := x.In(w.loc)
		left := b.left
		var excluded bool
		if c, ok := w.skip.(*cron); ok && c.unit > 0 {
			excluded = w.names.names(c, tick)
		} else {
			excluded = excludes(w.skip, tick, b)
		}
		w.calls.charge(left - b.left)
		if b.left < 0 {
			break
		}
		w.askFrom(0, tick.Round(0))
		if !excluded {
			return tick
		}
	}
	w.done = true
	return time.Time{}
}
