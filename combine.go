package periodic

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The combinators build one trigger out of others by treating each trigger
// as the set of its activations: an instant x is an activation of t when
// t.Next(x - 1ns) is x. Every, At and Cron triggers have fixed sets of
// activations, and so do the combinators; a member whose Next depends on
// where it is asked from, in any other way, does not combine.

// limits are the bounds of one Next of a combined trigger.
type limits struct {
	// rounds bounds And's search: when its members have not agreed on an
	// instant after this many rounds, it reports no more ticks.
	rounds int
	// skips bounds Except's search: after this many consecutive
	// activations excluded by the skip trigger, it reports no more ticks.
	skips int
	// calls bounds the work of one Next, nested combinators included:
	// after this many calls to members' Next in all, it gives up and
	// returns the zero time. Without it, the other bounds would multiply:
	// an Except of an And could make 10^10 calls.
	calls int
}

// nextLimits are the limits of Next. 300,000 skips are enough for a
// once-a-second trigger excluded for a long weekend; 3,000,000 calls take
// about half a second.
var nextLimits = limits{rounds: 10_000, skips: 300_000, calls: 3_000_000}

// probeFrom is the fixed instant from which And's validation looks for a
// first meeting: the Unix epoch, in UTC.
var probeFrom = time.Date(1970, time.January, 1, 0, 0, 0, 0, time.UTC)

// or is the trigger returned by Or.
type or struct{ ts []Trigger }

// Or returns a trigger that fires at every activation of any of triggers:
// its Next is the earliest of their Nexts, so an instant at which several
// of them fire is one tick. It ends (Next returns the zero time) once all
// of them have ended. Or, And and Except are pure and safe to use from
// several goroutines.
//
// Inside Or, And and Except, an Every(d) member fires at the multiples of
// d since the Unix epoch, as Cron("@every d") does, and not at anchor+k*d
// as it does alone: a combined trigger has no anchor, and a fixed grid is
// what lets Every meet, or be excluded by, other triggers. Every(time.Hour)
// thus fires on the hour; use Cron for wall-clock times in a zone. Zone-less
// Cron members work in the zone of the time given to Next, which the
// scheduler sets from WithLocation; Next returns its times in that zone.
//
// And and Except search, within bounds (see them); a member that reaches
// its bound has ended. Besides, one Next of a combined trigger, nested ones
// included, makes at most 3,000,000 calls to its members' Next (about half
// a second); past that it gives up and returns the zero time, so a job
// on it ends. Only members that exclude nearly everything get there.
//
// Schedule reports Or() with no triggers, a nil trigger (naming its index,
// from 0) and a member's own bad input (such as Or(Every(0))) as errors
// wrapping ErrInvalid. String returns a description such as
// "or(every 1h0m0s, every 1m30s)".
func Or(triggers ...Trigger) Trigger { return or{align(triggers)} }

// Next returns the earliest activation of any member after the given time,
// or the zero time when every member has ended.
func (o or) Next(after time.Time) time.Time { return within(o, after) }

// nextWithin is Next within the budget b.
func (o or) nextWithin(after time.Time, b *budget) time.Time {
	var first time.Time
	for _, t := range o.ts {
		if n := memberNext(t, after, b); !n.IsZero() && (first.IsZero() || n.Before(first)) {
			first = n
		}
	}
	return first
}

// String returns a description such as "or(every 1h0m0s, @daily)".
func (o or) String() string { return describeAll("or", o.ts) }

// validate reports no members, a nil member or a bad member.
func (o or) validate() error { return checkMembers("Or", o.ts) }

// and is the trigger returned by And.
type and struct{ ts []Trigger }

// And returns a trigger that fires at the instants at which all of
// triggers fire, such as And(Every(90*time.Minute), weekdays). Members
// combine as in Or; instants are compared exactly, to the nanosecond.
//
// Next searches in rounds: it takes the latest of the members' Nexts as a
// candidate and asks each member again from just before it, until all
// agree. Members that do not agree within 10,000 rounds are taken never to
// meet again, and Next returns the zero time (no more ticks); it never
// returns a time that is not after the one given.
//
// Besides the errors Or reports, Schedule reports an And whose members
// never meet: one with no common activation within those rounds from
// 1970-01-01 00:00 UTC. The probe works in UTC, so zone-less Cron members
// that meet only in the scheduler's zone (WithLocation) are reported too;
// give them a CRON_TZ prefix. String returns a description such as
// "and(every 1h30m0s, 0 9-17 * * 1-5)".
func And(triggers ...Trigger) Trigger { return and{align(triggers)} }

// Next returns the first instant after the given time at which every
// member fires, or the zero time when there is none within the rounds.
func (a and) Next(after time.Time) time.Time { return within(a, after) }

// nextWithin is Next within the budget b.
func (a and) nextWithin(after time.Time, b *budget) time.Time {
	loc := after.Location()
	from := after
	for range b.rounds {
		m, agree := a.round(from, b)
		if m.IsZero() || agree {
			return m
		}
		from = m.Add(-time.Nanosecond).In(loc)
	}
	b.limited = true
	return time.Time{}
}

// round asks every member for its next activation after from and returns
// the latest, and whether all gave the same. The latest is zero when a
// member has ended.
func (a and) round(from time.Time, b *budget) (latest time.Time, agree bool) {
	agree = true
	for i, t := range a.ts {
		n := memberNext(t, from, b)
		if n.IsZero() {
			return time.Time{}, false
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

// String returns a description such as "and(every 1h30m0s, @daily)".
func (a and) String() string { return describeAll("and", a.ts) }

// validate reports what Or's does, and members that never meet.
func (a and) validate() error {
	if err := checkMembers("And", a.ts); err != nil {
		return err
	}
	if a.Next(probeFrom).IsZero() {
		return fmt.Errorf("%w: And: the triggers never meet: %v has no common activation within %d rounds from %v",
			ErrInvalid, a, nextLimits.rounds, probeFrom.Format(time.DateOnly))
	}
	return nil
}

// except is the trigger returned by Except.
type except struct{ t, skip Trigger }

// Except returns a trigger that fires at the activations of t that skip
// excludes not, such as every 15 minutes except at weekends:
//
//	weekend := periodic.MustCron("* * * * sat-sun")
//	t := periodic.Except(periodic.Every(15*time.Minute), weekend)
//
// Members combine as in Or. A Cron expression used as skip stands for
// whole units of time, as Quartz's exclusion calendars do: the minutes it
// names, or the seconds with six fields. It excludes every activation of
// t whose wall-clock reading, in the expression's zone, falls in one of
// them: "* * * * sat-sun" excludes all of Saturday and Sunday, 12:01:30
// included, and "* 1 * * *" both readings of 01:xx on the day the clock
// falls back. Any other skip (Every, At, "@every D", a trigger of your
// own) excludes the very instants it fires at, compared to the
// nanosecond. An Or, And or Except used as skip applies the same rule to
// each of its members: Or(a, b) excludes what a or b excludes.
//
// Next skips at most 300,000 consecutive excluded activations of t (three
// and a half days of a once-a-second trigger), then returns the zero time
// (no more ticks), so that it never runs away when skip excludes
// everything. Schedule reports a nil t or skip, or bad input in either, as
// errors wrapping ErrInvalid. String returns a description such as
// "except(every 15m0s, * * * * sat-sun)".
func Except(t, skip Trigger) Trigger { return except{alignOne(t), alignOne(skip)} }

// Next returns the first activation of t after the given time that skip
// does not exclude.
func (e except) Next(after time.Time) time.Time { return within(e, after) }

// nextWithin is Next within the budget b.
func (e except) nextWithin(after time.Time, b *budget) time.Time {
	loc := after.Location()
	x := after
	for range b.skips {
		x = memberNext(e.t, x, b)
		if x.IsZero() || !excludes(e.skip, x.In(loc), b) {
			return x
		}
		x = x.In(loc)
	}
	b.limited = true
	return time.Time{}
}

// String returns a description such as "except(every 15m0s, @weekly)".
func (e except) String() string { return describeAll("except", []Trigger{e.t, e.skip}) }

// validate reports a nil or bad trigger or skip trigger.
func (e except) validate() error {
	if err := checkMember("Except", "trigger", e.t); err != nil {
		return err
	}
	return checkMember("Except", "skip trigger", e.skip)
}

// grid is Every(d) as a member of a combinator: the multiples of d since
// the Unix epoch, like Cron("@every d"). It describes and validates itself
// as Every does.
type grid struct{ every }

// Next returns the first multiple of d since the Unix epoch after the
// given time, or the zero time for a bad interval.
func (g grid) Next(after time.Time) time.Time {
	if g.d <= 0 {
		return time.Time{}
	}
	return nextEvery(after, g.d)
}

// align copies ts, turning each Every member into a grid.
func align(ts []Trigger) []Trigger {
	out := make([]Trigger, len(ts))
	for i, t := range ts {
		out[i] = alignOne(t)
	}
	return out
}

// alignOne turns an Every trigger into a grid and returns others as they are.
func alignOne(t Trigger) Trigger {
	if e, ok := t.(every); ok {
		return grid{e}
	}
	return t
}

// budget is what one Next of a combined trigger may still do.
type budget struct {
	limits
	left    int  // calls to members' Next; below zero, it ran out
	limited bool // a combinator reached its bound
}

// combinator is a combined trigger, whose Next shares the budget of the
// combined trigger it is a member of.
type combinator interface {
	nextWithin(after time.Time, b *budget) time.Time
}

// within returns c's next activation after the given time, or the zero
// time when finding it takes more than nextLimits.calls calls to
// members' Next.
func within(c combinator, after time.Time) time.Time {
	n, _ := bounded(c, after, nextLimits)
	return n
}

// bounded is within under the limits lim, also reporting whether a bound
// was reached on the way (and so the answer may differ from the plain
// combination of the sets). Once the budget has run out, every member's
// Next is zero, so every loop ends, and the wrong answers they give are
// thrown away here. Monotonic clock readings are dropped, so that all
// comparisons are of wall-clock instants.
func bounded(c combinator, after time.Time, lim limits) (time.Time, bool) {
	b := budget{limits: lim, left: lim.calls}
	n := c.nextWithin(after.Round(0), &b)
	if b.left < 0 || n.IsZero() {
		return time.Time{}, b.left < 0 || b.limited
	}
	return n.In(after.Location()), b.limited
}

// memberNext returns t.Next(after), within b when t is a combinator. It
// returns the zero time when b has run out, when t is nil, and when t
// breaks its contract by returning a time that is not after the given one.
func memberNext(t Trigger, after time.Time, b *budget) time.Time {
	if b.left--; b.left < 0 || t == nil {
		return time.Time{}
	}
	var n time.Time
	if c, ok := t.(combinator); ok {
		n = c.nextWithin(after, b)
	} else {
		n = t.Next(after)
	}
	if !n.After(after) {
		return time.Time{}
	}
	return n
}

// excludes reports whether skip, as the skip trigger of Except, excludes
// x: a cron expression by the units of time it names, a combinator by the
// rule of each member, any other trigger by its activations.
func excludes(skip Trigger, x time.Time, b *budget) bool {
	switch t := skip.(type) {
	case *cron:
		if t.unit > 0 {
			return t.names(x)
		}
	case or:
		return slices.ContainsFunc(t.ts, func(m Trigger) bool { return excludes(m, x, b) })
	case and:
		return !slices.ContainsFunc(t.ts, func(m Trigger) bool { return !excludes(m, x, b) })
	case except:
		return excludes(t.t, x, b) && !excludes(t.skip, x, b)
	}
	return fires(skip, x, b)
}

// names reports whether the wall-clock reading of x, in the expression's
// zone (or x's, without one), falls in a unit of time that the fields name:
// its minute, or its second with six fields.
func (c *cron) names(x time.Time) bool {
	if c.loc != nil {
		x = x.In(c.loc)
	}
	_, off := x.Zone()
	w := cursorAt(x.Unix() + int64(off))
	if c.unit == time.Minute {
		w.s = 0
	}
	return !c.f.advance(&w)
}

// fires reports whether x is an activation of t, within b.
func fires(t Trigger, x time.Time, b *budget) bool {
	return memberNext(t, x.Add(-time.Nanosecond), b).Equal(x)
}

// checkMembers reports no members, a nil member or a bad member of the
// combinator op.
func checkMembers(op string, ts []Trigger) error {
	if len(ts) == 0 {
		return fmt.Errorf("%w: %s(): no triggers given", ErrInvalid, op)
	}
	for i, t := range ts {
		if err := checkMember(op, fmt.Sprintf("trigger %d", i), t); err != nil {
			return err
		}
	}
	return nil
}

// checkMember reports a nil or bad member of the combinator op, called
// name in the message.
func checkMember(op, name string, t Trigger) error {
	if t == nil {
		return fmt.Errorf("%w: %s: %s is nil", ErrInvalid, op, name)
	}
	v, ok := t.(interface{ validate() error })
	if !ok {
		return nil
	}
	if err := v.validate(); err != nil {
		return fmt.Errorf("%w: %s: %s: %s", ErrInvalid, op, name, strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
	}
	return nil
}

// describeAll returns "op(a, b, ...)" with a description of each trigger.
func describeAll(op string, ts []Trigger) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = describe(t)
	}
	return op + "(" + strings.Join(parts, ", ") + ")"
}

// describe returns a trigger's String, or a description of an At trigger,
// or its default format.
func describe(t Trigger) string {
	if t == nil {
		return "nil"
	}
	if s, ok := t.(fmt.Stringer); ok {
		return s.String()
	}
	if a, ok := t.(at); ok {
		parts := make([]string, len(a.times))
		for i, x := range a.times {
			parts[i] = x.Format(time.RFC3339Nano)
		}
		return "at(" + strings.Join(parts, ", ") + ")"
	}
	return fmt.Sprintf("%v", t)
}
