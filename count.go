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
}

// tickSpan is a span of a job's ticks: from first, which must be a tick,
// up to until (excluded, or included when incl), no tick after stop (the
// zero time: no bound). next is the job's Next; loc is the zone the job
// gives its trigger.
type tickSpan struct {
	tr          Trigger
	next        func(time.Time) time.Time
	loc         *time.Location
	first       time.Time
	until, stop time.Time
	incl        bool
}

// bound returns the end of the span: ticks are before end, or at it when
// incl is set.
func (sp tickSpan) bound() (end time.Time, incl bool) {
	if !sp.stop.IsZero() && !sp.stop.After(sp.until) {
		return sp.stop, true
	}
	return sp.until, sp.incl
}

// in reports whether x is before the end of the span.
func (sp tickSpan) in(x time.Time) bool {
	end, incl := sp.bound()
	return !x.IsZero() && (x.Before(end) || incl && x.Equal(end))
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
// of them; past that, the count is a lower bound and the last tick is
// found by bisection.
func (sp tickSpan) walk() tickCount {
	n, last := 1, sp.first
	next := sp.ticksAfter(last)
	for x := next(); sp.in(x); x = next() {
		if n == walkCap {
			return tickCount{n: n, last: sp.lastFrom(x), walked: last}
		}
		n, last = n+1, x
	}
	return tickCount{n: n, last: last, exact: true}
}

// lastFrom returns the last tick of the span, given x, a tick in it, by
// bisection on the instant Next is asked from: Next(s) is in the span
// exactly when s is before the last tick. It relies on the Trigger
// contract, that Next returns the first activation after s of a set of
// activations, and asks about 64 Nexts.
func (sp tickSpan) lastFrom(x time.Time) time.Time {
	end, incl := sp.bound()
	hi := end
	if !incl {
		hi = hi.Add(-1)
	}
	lo := x
	for lo.Before(hi) {
		mid := lo.Add(hi.Sub(lo) / 2) // Sub saturates past 292 years: still progress
		if sp.in(sp.next(mid)) {
			lo = mid.Add(1)
		} else {
			hi = mid
		}
	}
	if t := sp.next(lo.Add(-1)); t.Equal(lo) {
		return t // as Next gives it, in its zone
	}
	return lo
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

// lastTicks returns the first of the last k ticks of sp, given their
// count tc, which may be a lower bound. For a walked trigger whose span
// is longer than the walk, it walks windows that end at the span's end,
// starting a little over k of the walk's mean spacing long and doubling
// (at most walkCap Nexts each, a few windows), and returns the first of
// the last k ticks of the first window that holds k; failing that, of the
// widest window walked to its end.
func lastTicks(sp tickSpan, tc tickCount, k int) time.Time {
	if tc.exact {
		return nthTick(sp, max(0, tc.n-k))
	}
	found := tc.last
	spacing := tc.walked.Sub(sp.first) / time.Duration(max(1, tc.n-1))
	for w := time.Duration(k) * spacing * 9 / 8; w > 0 && w < math.MaxInt64/2; w *= 2 {
		from := sp.next(tc.last.Add(-w))
		if !sp.in(from) {
			break
		}
		ring, n := sp.ringWalk(from, k)
		if n > walkCap || n == 0 {
			break
		}
		found = ring
		if n >= k {
			break
		}
	}
	return found
}

// ringWalk walks the span from x, at most walkCap+1 ticks, keeping the
// last k; it returns the oldest of them and how many ticks it saw.
func (sp tickSpan) ringWalk(x time.Time, k int) (time.Time, int) {
	ring := make([]time.Time, 0, min(k, walkCap))
	n, next := 0, sp.ticksAfter(x)
	for ; sp.in(x) && n <= walkCap; x = next() {
		if len(ring) < k {
			ring = append(ring, x)
		} else {
			ring[n%k] = x
		}
		n++
	}
	if n == 0 {
		return time.Time{}, 0
	}
	if n <= k {
		return ring[0], n
	}
	return ring[n%k], n
}

// tickSpan returns the span of j's ticks from t, which must be one, up to
// until (included when incl), under WithStopAt and in the scheduler's
// zone.
func (j *Job[T]) tickSpan(t, until time.Time, incl bool) tickSpan {
	return tickSpan{tr: j.trig(), next: j.next, loc: j.s.cfg.loc, first: t, until: until, stop: j.conf().stopAt, incl: incl}
}
