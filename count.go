package periodic

import (
	"math"
	"time"
)

// Counting ticks is what a misfire costs: after a suspension or a clock
// jump, the dispatcher must know how many ticks came late and which was
// the last, before it can release the job's next tick. Visiting each one
// costs a Next per missed tick, 2.6 million for a per-second cron after
// a month, and the dispatcher waits meanwhile. So a span is counted in
// closed form where the trigger allows it (Every, "@every", Cron, At), and
// otherwise by a walk of at most walkCap ticks, after which the count is
// a lower bound and the last tick is found by bisection.
//
// One misfire counts up to three spans (the ticks older than the catch-up
// window, the late ticks, the ticks up to now for MisfireCoalesce), and
// MisfireCatchUp then walks the last of the late ticks again. The budget
// rule: the walks of one misfire share one budget of misfireBudget calls,
// counted in calls, never in time, so that a mock clock sees the same
// counts on every run. A call is one Next of the job's trigger, or one
// member asked in a walk by members (count_walk.go); a Next of a
// combinator of the package's triggers that a walk asks as a whole (a
// nested one, as Or(And(...), Except(...))) is one call plus one per
// member it asks, nested ones included (nextCounted), so nesting cannot
// multiply the work. A trigger the scheduler cannot see into (a user's
// type, or a combinator with one among its members: opaque) has
// userBudget (1,500) calls instead, each one Next of it, whatever that
// Next does: its misfire makes at most userBudget + misfireExtra (1,739)
// of its Next calls, so a Next slower than about 5 µs can block the
// dispatcher more than 10 ms, which only the trigger's author can help.
// Under MisfireCatchUp it then runs fewer than its last 1,000 late ticks
// (about 550 of a cheap one), and the event says so. A walk stops when
// the budget is spent, as it stops at walkCap: its count is then a lower
// bound (the event's MissedAtLeast; Dropped is one too), unless the
// search for the last tick finds that the walk had seen it after all.
// MisfireCatchUp's counts stop at half the budget; the other half walks
// the ticks it runs, as many as that half affords at the calls per tick
// seen so far, up to maxCatchUp, and Dropped counts the late ticks it
// does not run. Beyond the budget, a misfire makes at most three searches
// for a last tick (lastFrom, at most 77 calls each) and a few single
// Nexts, and a walk by members may finish the tick it was on: a misfire
// of a trigger walked by its Next makes at most misfireBudget +
// misfireExtra calls, whatever its policy, window and gap
// (TestMisfireBudget). Measured on a loaded 2-core machine, one misfire
// of the package's triggers, nested combinators included, takes at most
// about 1.5 ms without -race and 8 ms under -race (BENCHMARKS.md, issue
// 14, third round, review fixes). The misfires released at one instant
// share a budget too (batchBudget, below), so that many jobs misfiring at
// once do not block the dispatcher many times over.
//
// The counts are exact, and the same on every run, when the deadlines
// due are released at one reading of the clock, as periodictest's
// Advance and Set do (or a real clock, read once per batch). A plain
// clock.Mock.Add moves time in steps, firing its timers one at a time,
// and the dispatcher may release a misfire at any of those steps: the
// tick it sees as late, and so Missed, Dropped and what runs, depend on
// where it woke, not only on where the clock ended.

// walkCap bounds the ticks a walk visits when a trigger cannot be counted
// in closed form (Or, And, Except, a user's trigger). Walking 2,000 ticks
// of an Or of two per-second crons, member by member (count_walk.go),
// takes about 0.15 ms, 1.6 ms under -race (BenchmarkWalkMonth).
const walkCap = 2_000

// tickCount is the answer of countTicks: how many ticks a span holds and
// the last of them.
type tickCount struct {
	n     int       // ticks counted, the first included
	last  time.Time // the last tick of the span
	exact bool      // false: the walk stopped at walkCap, n is a lower bound
	// walked is the last tick the walk visited, when it stopped early.
	walked time.Time
	// tail holds the last ticks of an exact walk, oldest first, as many
	// as the span's keep asked for.
	tail []time.Time
}

// tickSpan is a span of a job's ticks: from first, which must be a tick,
// up to until (excluded, or included when incl), no tick after stop (the
// zero time: no bound). next is the job's Next; loc is the zone the job
// gives its trigger. budget is the misfire's, shared by the spans it
// counts (nil: each walk goes to walkCap alone); keep asks a walk to keep
// its last ticks (MisfireCatchUp's).
type tickSpan struct {
	tr          Trigger
	next        func(time.Time) time.Time
	loc         *time.Location
	first       time.Time
	until, stop time.Time
	incl        bool
	budget      *callBudget
	keep        int
}

// spent reports whether the span's budget is spent.
func (sp tickSpan) spent() bool { return sp.budget.spent() }

// bound returns the end of the span: ticks are before end, or at it when
// incl is set.
func (sp tickSpan) bound() (end time.Time, incl bool) {
	if !sp.stop.IsZero() && !sp.stop.After(sp.until) {
		return sp.stop, true
	}
	return sp.until, sp.incl
}

// in reports whether x is before the end of the span.
func (sp tickSpan) in(x time.Time) bool { return sp.inside()(x) }

// inside returns in, with the end of the span found once: for walks.
func (sp tickSpan) inside() func(time.Time) bool {
	end, incl := sp.bound()
	return func(x time.Time) bool { return !x.IsZero() && (x.Before(end) || incl && x.Equal(end)) }
}

// countTicks counts the ticks of sp without visiting each one when the
// trigger allows it. It never calls a trigger's Next more than about
// walkCap+64 times.
func countTicks(sp tickSpan) tickCount {
	switch tr := sp.tr.(type) {
	case every:
		return sp.countGrid(tr.d)
	case *cron:
		if tr.every > 0 {
			return sp.countGrid(tr.every)
		}
		return sp.countCron(tr)
	case at:
		return sp.countAt(tr)
	}
	return sp.walk()
}

// countGrid counts ticks first + k*d.
func (sp tickSpan) countGrid(d time.Duration) tickCount {
	end, incl := sp.bound()
	gap := end.Sub(sp.first)
	if !incl {
		gap--
	}
	k := max(gap/d, 0) // first is a tick, so only a span ending before it
	return tickCount{n: int(k) + 1, last: sp.first.Add(k * d), exact: true}
}

// countAt counts the instants of a in the span.
func (sp tickSpan) countAt(a at) tickCount {
	i, j := a.index(sp.first), len(a.times)
	for lo := i; lo < j; {
		mid := int(uint(lo+j) >> 1)
		if sp.in(a.times[mid]) {
			lo = mid + 1
		} else {
			j = mid
		}
	}
	if j == i { // a span that ends before its first tick, as countCron
		return tickCount{n: 1, last: sp.first, exact: true}
	}
	return tickCount{n: j - i, last: a.times[j-1], exact: true}
}

// index returns the position of t among a's instants, or of the first
// after it.
func (a at) index(t time.Time) int {
	lo, hi := 0, len(a.times)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if a.times[mid].Before(t) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// countCron counts a cron expression's activations in closed form: whole
// days at a time from the fields' bit sets, zone period by zone period.
func (sp tickSpan) countCron(c *cron) tickCount {
	loc := c.loc
	if loc == nil {
		loc = sp.loc
	}
	a, b := sp.first.Unix(), sp.secondsEnd()
	n, last := c.f.count(a, b, loc)
	if n == 0 { // first is a tick, so only a span ending before it
		return tickCount{n: 1, last: sp.first, exact: true}
	}
	return tickCount{n: int(min(n, math.MaxInt)), last: time.Unix(last, 0).In(loc), exact: true}
}

// secondsEnd returns the end of the span in whole Unix seconds: the
// whole seconds in it are below it.
func (sp tickSpan) secondsEnd() int64 {
	end, incl := sp.bound()
	b := end.Unix()
	if incl || end.Nanosecond() > 0 {
		b++
	}
	return min(max(b, -cronMaxUnix), cronMaxUnix)
}

// walk visits the ticks of sp one by one (ticksAfter), at most walkCap
// of them, and no more once the budget is spent; past that, the count is
// a lower bound and the last tick is found by bisection.
func (sp tickSpan) walk() tickCount {
	n, last := 1, sp.first
	tail := newTail(sp.keep)
	tail.push(last)
	next, in := sp.ticksAfter(last), sp.inside()
	for !sp.spent() {
		x := next()
		if !in(x) {
			if x.IsZero() && sp.spent() { // the walk gave up for the budget: maybe not the end
				break
			}
			return tickCount{n: n, last: last, exact: true, tail: tail.oldestFirst()}
		}
		if n == walkCap {
			d := sp.budget.spaced(spacing(sp.first, last, n))
			return tickCount{n: n, last: sp.lastFrom(x, d), walked: last}
		}
		n, last = n+1, x
		tail.push(x)
		sp.budget.walked()
	}
	d := sp.budget.spaced(spacing(sp.first, last, n))
	end := sp.lastFrom(last, d)
	if end.Equal(last) { // the walk had seen the last tick after all
		return tickCount{n: n, last: last, exact: true, tail: tail.oldestFirst()}
	}
	return tickCount{n: n, last: end, walked: last}
}

// nthTick returns the tick k ticks after sp.first; there must be k more
// in the span (for walks: as far as counted).
func nthTick(sp tickSpan, k int) time.Time {
	if k <= 0 {
		return sp.first
	}
	switch tr := sp.tr.(type) {
	case every:
		return sp.first.Add(time.Duration(k) * tr.d)
	case *cron:
		if tr.every > 0 {
			return sp.first.Add(time.Duration(k) * tr.every)
		}
		return sp.nthCron(tr, k)
	case at:
		return tr.times[tr.index(sp.first)+k]
	}
	t := sp.first
	for ; k > 0; k-- {
		t = sp.next(t)
	}
	return t
}

// nthCron finds the k-th activation after sp.first by bisection on the
// count of activations from sp.first.
func (sp tickSpan) nthCron(c *cron, k int) time.Time {
	loc := c.loc
	if loc == nil {
		loc = sp.loc
	}
	a := sp.first.Unix()
	lo, hi := a, sp.secondsEnd() // count(a, lo) <= k < count(a, hi)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if n, _ := c.f.count(a, mid, loc); n <= int64(k) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return time.Unix(lo, 0).In(loc)
}

// tickSpan returns the span of j's ticks from t, which must be one, up to
// until (included when incl), under WithStopAt and in the scheduler's
// zone, its Next calls charged to b (nil: none).
func (j *Job[T]) tickSpan(t, until time.Time, incl bool, b *callBudget) tickSpan {
	next := j.next
	tr := j.trig()
	if c, ok := tr.(combinator); ok && b != nil && !opaque(tr) {
		next = func(t time.Time) time.Time { // a combinator's Next: one call, and one per member asked
			n, calls := nextCounted(c, t.In(j.s.cfg.loc))
			b.charge(1 + calls)
			if n.IsZero() || !n.After(t) || !j.conf().stopAt.IsZero() && n.After(j.conf().stopAt) {
				return j.next(t) // the rare end, as next reports it
			}
			return n
		}
	} else if b != nil {
		next = func(t time.Time) time.Time {
			b.charge(1)
			return j.next(t)
		}
	}
	return tickSpan{tr: tr, next: next, loc: j.s.cfg.loc, first: t, until: until, stop: j.conf().stopAt, incl: incl, budget: b}
}
