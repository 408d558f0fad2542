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
// member asked in a walk by members (count_walk.go). A walk stops when
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
// (TestMisfireBudget). Without -race that is at most 0.6 ms for the
// package's combinators, 6 ms under -race. The misfires released at one
// instant share a budget too (batchBudget, below), so that many jobs
// misfiring at once do not block the dispatcher many times over.

// walkCap bounds the ticks a walk visits when a trigger cannot be counted
// in closed form (Or, And, Except, a user's trigger). Walking 2,000 ticks
// of an Or of two per-second crons, member by member (count_walk.go),
// takes about 0.15 ms, 1.6 ms under -race (BenchmarkWalkMonth).
const walkCap = 2_000

// misfireBudget is the calls the walks of one misfire share: enough for a
// walk to walkCap of an Or of two crons and MisfireCatchUp's walk of its
// last maxCatchUp ticks (about 4,000), or for 600 ticks of an And of two
// crons (5 members asked a tick) on each side of a catch-up window.
// misfireExtra bounds what a misfire asks beyond them: three lastFrom and
// the next tick.
const (
	misfireBudget = 6_000
	misfireExtra  = 3*77 + 8
)

// The misfires released at one instant (a batch of the dispatcher's,
// or the deadlines periodictest releases one at a time at one reading of
// the clock) share batchBudget calls: each takes from what the earlier
// ones left, at most misfireBudget, and at least misfireFloor, what a
// misfire needs to find its next tick cheaply (a few ticks walked give
// the spacing lastFrom gallops by). N jobs misfiring at once thus cost
// about batchBudget + N x misfireFloor calls, not N x misfireBudget. The
// share depends only on the order of release, the heap's (when, place,
// seq) on both paths, and on the instant, so a driven timeline gives the
// same counts every run.
const (
	batchBudget  = misfireBudget
	misfireFloor = 64
)

// misfirePool is what the misfires released at the instant at have left
// of batchBudget. Guarded by s.mu; only the releaser uses it.
type misfirePool struct {
	at   time.Time
	left int
}

// allowance returns the budget of a misfire released at now.
func (p *misfirePool) allowance(now time.Time) int {
	if !p.at.Equal(now) {
		p.at, p.left = now, batchBudget
	}
	return min(misfireBudget, max(misfireFloor, p.left))
}

// spend takes the calls a misfire released at now made.
func (p *misfirePool) spend(now time.Time, calls int) {
	if p.at.Equal(now) {
		p.left -= calls
	}
}

// callBudget is what is left of a misfire's budget: Next calls, below
// zero once overdrawn by the last tick's calls or a bisection. Walks stop
// at reserve: MisfireCatchUp keeps half the budget from its counts for
// the walk of the ticks it runs. The methods take a nil budget as one
// that never runs out.
type callBudget struct {
	left, reserve int
	used, ticks   int           // calls charged, and ticks walked, so far
	spacing       time.Duration // the mean spacing of the last walk of 2 ticks or more
}

// charge takes n calls from b.
func (b *callBudget) charge(n int) {
	if b != nil {
		b.left -= n
		b.used += n
	}
}

// spent reports whether the walks must stop.
func (b *callBudget) spent() bool { return b != nil && b.left <= b.reserve }

// walked counts a tick walked.
func (b *callBudget) walked() {
	if b != nil {
		b.ticks++
	}
}

// spaced keeps d, a walk's mean spacing, if known, and returns it; for
// a walk too short to know, the last known.
func (b *callBudget) spaced(d time.Duration) time.Duration {
	switch {
	case b == nil:
	case d > 0:
		b.spacing = d
	default:
		d = b.spacing
	}
	return d
}

// perTick returns the mean calls a tick walked has cost so far, rounded
// up, or 0 before any.
func (b *callBudget) perTick() int {
	if b == nil || b.ticks == 0 {
		return 0
	}
	return (b.used + b.ticks - 1) / b.ticks
}

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

// tail keeps the last k of the times pushed.
type tail struct {
	ts []time.Time
	k  int
	n  int // times pushed
}

// newTail returns a tail of the last k times; with k = 0 it keeps none.
func newTail(k int) *tail { return &tail{ts: make([]time.Time, 0, min(k, walkCap)), k: k} }

// push adds x.
func (t *tail) push(x time.Time) {
	switch {
	case t.k == 0:
	case len(t.ts) < t.k:
		t.ts = append(t.ts, x)
	default:
		t.ts[t.n%t.k] = x
	}
	t.n++
}

// oldest returns the oldest time kept, the zero time if none.
func (t *tail) oldest() time.Time {
	switch {
	case len(t.ts) == 0:
		return time.Time{}
	case t.n <= t.k:
		return t.ts[0]
	}
	return t.ts[t.n%t.k]
}

// oldestFirst returns the times kept, oldest first.
func (t *tail) oldestFirst() []time.Time {
	if t.k == 0 || t.n <= t.k {
		return t.ts
	}
	i := t.n % t.k
	return append(t.ts[i:len(t.ts):len(t.ts)], t.ts[:i]...)
}

// lastFrom returns the last tick of the span, given x, a tick in it, and
// the mean spacing of the ticks walked (0 if unknown), by bisection on the
// instant Next is asked from: Next(s) is in the span exactly when s is
// before the last tick. It relies on the Trigger contract, that Next
// returns the first activation after s of a set of activations. The last
// tick is usually within a spacing of the end: it first asks from one
// spacing before the end, then two, four, ... (at most gallops times), and
// walks on from the tick found (at most 4 ticks); failing that, it
// bisects what is left, about 64 Nexts. See misfireExtra.
func (sp tickSpan) lastFrom(x time.Time, spacing time.Duration) time.Time {
	end, incl := sp.bound()
	hi := end
	if !incl {
		hi = hi.Add(-1)
	}
	lo := x
	for i, d := 0, spacing; i < gallops && d > 0 && hi.Sub(lo) > d; i, d = i+1, d*2 {
		s := hi.Add(-d)
		y := sp.next(s)
		if !sp.in(y) { // no tick after s: the last is before it
			hi = s
			continue
		}
		for range 4 {
			z := sp.next(y)
			if !sp.in(z) {
				return y
			}
			y = z
		}
		lo = y
		break
	}
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

// gallops bounds lastFrom's steps back from the end.
const gallops = 8

// spacing returns the mean spacing of n ticks from first to last.
func spacing(first, last time.Time, n int) time.Duration {
	if n < 2 {
		return 0
	}
	return last.Sub(first) / time.Duration(n-1)
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
// count tc, which may be a lower bound. See lastTicksN.
func lastTicks(sp tickSpan, tc tickCount, k int) time.Time {
	t, _ := lastTicksN(sp, tc, k)
	return t
}

// lastTicksN returns the first of the last k ticks of sp, given their
// count tc, which may be a lower bound, and how many ticks there are from
// it to the span's end (k, or fewer when it could not find k). For a
// walked trigger whose span is longer than the walk, it walks windows
// that end at the span's end, starting a little over k of the walk's mean
// spacing long and doubling (at most walkCap Nexts each, a few windows,
// none once the budget is spent), and returns the first of the last k
// ticks of the first window that holds k; failing that, of the widest
// window walked to its end; failing that, the last tick.
func lastTicksN(sp tickSpan, tc tickCount, k int) (time.Time, int) {
	if tc.exact {
		m := min(k, tc.n)
		if len(tc.tail) >= m {
			return tc.tail[len(tc.tail)-m], m
		}
		return nthTick(sp, tc.n-m), m
	}
	found, m := tc.last, 1
	spacing := tc.walked.Sub(sp.first) / time.Duration(max(1, tc.n-1))
	if spacing == 0 && sp.budget != nil { // a count the budget cut at its first tick: an earlier walk's
		spacing = sp.budget.spacing
	}
	if per := sp.budget.perTick(); per > 0 { // start with the window the budget affords, at the calls per tick so far
		k = min(k, max(1, (sp.budget.left-sp.budget.reserve)/per*3/4))
	}
	for w := time.Duration(k) * spacing * 9 / 8; w > 0 && w < math.MaxInt64/2 && !sp.spent(); w *= 2 {
		from := sp.next(tc.last.Add(-w))
		if !sp.in(from) {
			break
		}
		ring, n := sp.ringWalk(from, k)
		if n > walkCap || n == 0 {
			break
		}
		found, m = ring, min(n, k)
		if n >= k {
			break
		}
	}
	return found, m
}

// ringWalk walks the span from x to its end, at most walkCap+1 ticks,
// keeping the last k; it returns the oldest of them and how many ticks it
// saw; none (0) when the budget ran out before the end.
func (sp tickSpan) ringWalk(x time.Time, k int) (time.Time, int) {
	ring := newTail(k)
	next, in := sp.ticksAfter(x), sp.inside()
	for in(x) && ring.n <= walkCap {
		ring.push(x)
		sp.budget.walked()
		if sp.spent() {
			return time.Time{}, 0
		}
		x = next()
	}
	if x.IsZero() && sp.spent() { // the walk may have given up for the budget
		return time.Time{}, 0
	}
	return ring.oldest(), ring.n
}

// tickSpan returns the span of j's ticks from t, which must be one, up to
// until (included when incl), under WithStopAt and in the scheduler's
// zone, its Next calls charged to b (nil: none).
func (j *Job[T]) tickSpan(t, until time.Time, incl bool, b *callBudget) tickSpan {
	next := j.next
	if b != nil {
		next = func(t time.Time) time.Time {
			b.charge(1)
			return j.next(t)
		}
	}
	return tickSpan{tr: j.trig(), next: next, loc: j.s.cfg.loc, first: t, until: until, stop: j.conf().stopAt, incl: incl, budget: b}
}
