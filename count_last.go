package periodic

import (
	"math"
	"time"
)

// Finding the last ticks of a span that a walk could not visit to its
// end: the last one, by a search on the instant Next is asked from
// (lastFrom), and MisfireCatchUp's last maxCatchUp, by walks of windows
// that end at the span's end (lastTicksN).

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

// lastTicks returns the first of the last k ticks of sp, given their
// count tc, which may be a lower bound. See lastTicksN.
func lastTicks(sp tickSpan, tc tickCount, k int) time.Time {
	t, _, _ := lastTicksN(sp, tc, k)
	return t
}

// lastTicksN returns the first of the last k ticks of sp, given their
// count tc, which may be a lower bound, how many ticks there are from
// it to the span's end (k, or fewer when it could not find k), and the
// span's exact count when a window walked took in the whole span (0:
// unknown beyond tc). For a walked trigger whose span is longer than the
// walk, it walks windows that end at the span's end, starting a little
// over k (or the ticks the budget affords, if fewer) of the walk's mean
// spacing long and doubling (at most walkCap Nexts each, a few windows,
// none once the budget is spent), keeping the last k of each, and returns
// the first of the last k ticks of the first window that holds k;
// failing that, of the widest window walked to its end; failing that,
// the last tick. A window never starts before sp.first: the ticks before
// it are not the span's (older than a catch-up window, or not late).
func lastTicksN(sp tickSpan, tc tickCount, k int) (time.Time, int, int) {
	if tc.exact {
		m := min(k, tc.n)
		if len(tc.tail) >= m {
			return tc.tail[len(tc.tail)-m], m, tc.n
		}
		return nthTick(sp, tc.n-m), m, tc.n
	}
	found, m := tc.last, 1
	spacing := tc.walked.Sub(sp.first) / time.Duration(max(1, tc.n-1))
	if spacing == 0 && sp.budget != nil { // a count the budget cut at its first tick: an earlier walk's
		spacing = sp.budget.spacing
	}
	want := k                                    // the ring keeps as many: a window may hold more than it aimed at
	if sp.budget != nil && sp.budget.ticks > 0 { // start with the window the budget affords, at the calls per tick so far
		k = min(k, max(1, sp.budget.affords()*3/4))
	}
	for w := time.Duration(k) * spacing * 9 / 8; w > 0 && w < math.MaxInt64/2 && !sp.spent(); w *= 2 {
		from, whole := sp.first, true
		if s := tc.last.Add(-w); s.After(sp.first) {
			from, whole = sp.next(s), false
		}
		if !sp.in(from) {
			break
		}
		ring, n := sp.ringWalk(from, want)
		if n > walkCap || n == 0 {
			break
		}
		found, m = ring, min(n, want)
		if whole { // the window took in the whole span: n is its count
			return found, m, n
		}
		if n >= k {
			break
		}
	}
	return found, m, 0
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
