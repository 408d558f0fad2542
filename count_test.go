package periodic

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// spanOf returns the span of tr's ticks from the first after from up to
// until, with the job's rules for Next: asked in loc, ended when it does
// not move forward or passes stop.
func spanOf(t *testing.T, tr Trigger, loc *time.Location, from, until time.Time, incl bool, stop time.Time) tickSpan {
	t.Helper()
	next := func(x time.Time) time.Time {
		n := tr.Next(x.In(loc))
		if n.IsZero() || !n.After(x) || (!stop.IsZero() && n.After(stop)) {
			return time.Time{}
		}
		return n
	}
	first := next(from)
	require.False(t, first.IsZero(), "no tick after %v", from)
	return tickSpan{tr: tr, next: next, loc: loc, first: first, until: until, stop: stop, incl: incl}
}

// naiveTicks visits every tick of sp, as the scheduler did before
// countTicks, and returns them.
func naiveTicks(sp tickSpan) []time.Time {
	ts := []time.Time{sp.first}
	for x := sp.next(sp.first); sp.in(x); x = sp.next(x) {
		ts = append(ts, x)
	}
	return ts
}

func mustTrigger(t *testing.T, expr string) Trigger {
	t.Helper()
	tr, err := Cron(expr)
	require.NoError(t, err)
	return tr
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// requireSameCount checks countTicks, nthTick and lastTicks against the
// naive walk.
func requireSameCount(t *testing.T, sp tickSpan) {
	t.Helper()
	want := naiveTicks(sp)
	got := countTicks(sp)
	require.True(t, got.exact)
	require.Equal(t, len(want), got.n)
	require.True(t, want[len(want)-1].Equal(got.last), "last: want %v, got %v", want[len(want)-1], got.last)
	require.Equal(t, want[len(want)-1].Location(), got.last.Location())
	for _, k := range []int{0, 1, 2, len(want) / 3, len(want) - 1} {
		if k >= 0 && k < len(want) {
			require.True(t, want[k].Equal(nthTick(sp, k)), "nth %d: want %v, got %v", k, want[k], nthTick(sp, k))
		}
	}
	for _, k := range []int{1, 3, 1000} {
		require.True(t, want[max(0, len(want)-k)].Equal(lastTicks(sp, got, k)), "last %d", k)
	}
}

// c0 is where the counted spans start.
var c0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestCountTicksClosedForm(t *testing.T) {
	ny, lh := mustLoad(t, "America/New_York"), mustLoad(t, "Australia/Lord_Howe")
	spring := time.Date(2026, 3, 6, 0, 0, 0, 0, ny) // the clock springs forward on the 8th
	fall := time.Date(2026, 10, 30, 0, 0, 0, 0, ny) // and falls back on 2026-11-01
	lhSpring := time.Date(2026, 10, 2, 0, 0, 0, 0, lh)
	tests := []struct {
		name, expr string
		loc        *time.Location
		from       time.Time
		span       time.Duration
		incl       bool
		stopAfter  time.Duration // 0: no WithStopAt
	}{
		{"per second, a day", "* * * * * *", time.UTC, c0, 24 * time.Hour, false, 0},
		{"per second, included end", "* * * * * *", time.UTC, c0, time.Hour, true, 0},
		{"per second, end between seconds", "* * * * * *", time.UTC, c0, time.Hour + time.Second/2, false, 0},
		{"per second, stop before the end", "* * * * * *", time.UTC, c0, time.Hour, false, 90 * time.Second},
		{"odd seconds of some minutes", "*/7 3-40/3 * * * *", time.UTC, c0, 3 * 24 * time.Hour, false, 0},
		{"every 15 minutes across spring forward", "*/15 * * * *", ny, spring, 4 * 24 * time.Hour, false, 0},
		{"every 15 minutes across fall back", "*/15 * * * *", ny, fall, 4 * 24 * time.Hour, false, 0},
		{"hourly across both changes", "0 * * * *", ny, spring, 240 * 24 * time.Hour, false, 0},
		{"02:30 daily across spring forward", "30 2 * * *", ny, spring, 5 * 24 * time.Hour, false, 0},
		{"01:30 daily across fall back", "30 1 * * *", ny, fall, 5 * 24 * time.Hour, false, 0},
		{"per second in the fall back hour", "* * 1 * * *", ny, fall, 4 * 24 * time.Hour, false, 0},
		{"per second in the skipped hour", "* * 2 * * *", ny, spring, 4 * 24 * time.Hour, false, 0},
		{"Lord Howe half hour", "0 2 * * *", lh, lhSpring, 5 * 24 * time.Hour, false, 0},
		{"weekdays at nine, a year", "0 9 * * mon-fri", ny, c0, 366 * 24 * time.Hour, false, 0},
		{"last weekday, ten years", "0 0 LW * *", time.UTC, c0, 3653 * 24 * time.Hour, false, 0},
		{"nearest weekday and 5L", "0 0 15W * 5L", time.UTC, c0, 800 * 24 * time.Hour, false, 0},
		{"29 February, 250 years", "0 0 29 2 *", time.UTC, c0, 250 * 366 * 24 * time.Hour, false, 0},
		{"second Monday, 250 years", "0 0 * * 1#2", time.UTC, c0, 250 * 366 * 24 * time.Hour, false, 0},
		{"@every 1.5s", "@every 1.5s", time.UTC, c0, time.Hour, false, 0},
		{"@every 1.5s, stop", "@every 1.5s", time.UTC, c0, time.Hour, true, time.Minute},
		{"zone in the expression", "CRON_TZ=America/New_York 30 2 * * *", time.UTC, spring, 5 * 24 * time.Hour, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := mustTrigger(t, tt.expr)
			var stop time.Time
			if tt.stopAfter > 0 {
				stop = tt.from.Add(tt.stopAfter)
			}
			requireSameCount(t, spanOf(t, tr, tt.loc, tt.from, tt.from.Add(tt.span), tt.incl, stop))
		})
	}
}

func TestCountTicksEveryAndAt(t *testing.T) {
	times := []time.Time{c0.Add(time.Second), c0.Add(2 * time.Second), c0.Add(5 * time.Second), c0.Add(time.Hour)}
	tests := []struct {
		name  string
		tr    Trigger
		until time.Duration
		incl  bool
	}{
		{"every, end excluded on a tick", Every(time.Second), 10 * time.Second, false},
		{"every, end included on a tick", Every(time.Second), 10 * time.Second, true},
		{"every, end between ticks", Every(3 * time.Second), 10 * time.Second, false},
		{"at, end excluded on an instant", At(times...), 5 * time.Second, false},
		{"at, end included on an instant", At(times...), 5 * time.Second, true},
		{"at, all", At(times...), 2 * time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireSameCount(t, spanOf(t, tt.tr, time.UTC, c0, c0.Add(tt.until), tt.incl, time.Time{}))
		})
	}
}

func TestCountTicksWalk(t *testing.T) {
	perSecond := Or(mustTrigger(t, "*/2 * * * * *"), mustTrigger(t, "*/3 * * * * *"))
	t.Run("within the cap, exact", func(t *testing.T) {
		requireSameCount(t, spanOf(t, perSecond, time.UTC, c0, c0.Add(30*time.Minute), false, time.Time{}))
	})
	t.Run("beyond the cap, a lower bound and the exact last tick", func(t *testing.T) {
		sp := spanOf(t, perSecond, time.UTC, c0, c0.Add(10*time.Hour), false, time.Time{})
		want := naiveTicks(sp)
		got := countTicks(sp)
		require.False(t, got.exact)
		require.Equal(t, walkCap, got.n)
		require.Greater(t, len(want), walkCap)
		require.True(t, want[len(want)-1].Equal(got.last), "want %v, got %v", want[len(want)-1], got.last)
		require.True(t, want[len(want)-maxCatchUp].Equal(lastTicks(sp, got, maxCatchUp)))
		require.True(t, want[len(want)-1].Equal(lastTicks(sp, got, 1)))
	})
	t.Run("beyond the cap, included end on a tick", func(t *testing.T) {
		sp := spanOf(t, perSecond, time.UTC, c0, c0.Add(10*time.Hour), true, time.Time{})
		got := countTicks(sp)
		require.False(t, got.exact)
		require.True(t, c0.Add(10*time.Hour).Equal(got.last))
	})
	t.Run("beyond the cap, stop", func(t *testing.T) {
		stop := c0.Add(5*time.Hour + time.Second)
		sp := spanOf(t, perSecond, time.UTC, c0, c0.Add(10*time.Hour), false, stop)
		got := countTicks(sp)
		require.False(t, got.exact)
		require.True(t, c0.Add(5*time.Hour).Equal(got.last), "got %v", got.last)
	})
}

// TestCountTicksBounded measures nothing: it checks, by counting the
// calls to Next, that a month of a per-second trigger is counted without
// visiting each tick.
func TestCountTicksBounded(t *testing.T) {
	tests := []struct {
		name     string
		tr       Trigger
		maxCalls int
	}{
		{"cron", mustTrigger(t, "* * * * * *"), 0},
		{"@every", mustTrigger(t, "@every 1s"), 0},
		{"every", Every(time.Second), 0},
		{"or", Or(mustTrigger(t, "* * * * * *"), Every(time.Hour)), walkCap + 70},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			sp := spanOf(t, tt.tr, time.UTC, c0, c0.Add(30*24*time.Hour), false, time.Time{})
			inner := sp.next
			sp.next = func(x time.Time) time.Time { calls++; return inner(x) }
			got := countTicks(sp)
			require.LessOrEqual(t, calls, tt.maxCalls)
			require.True(t, c0.Add(30*24*time.Hour-time.Second).Equal(got.last), "got %v", got.last)
			if got.exact {
				require.Equal(t, 30*24*3600-1, got.n) // from the first second after c0
			}
			calls = 0
			lastTicks(sp, got, maxCatchUp)
			require.LessOrEqual(t, calls, 8*(walkCap+1))
		})
	}
}

// FuzzCountTicks compares the closed-form count of cron expressions with
// the naive walk, over spans and zones the fuzzer picks.
func FuzzCountTicks(f *testing.F) {
	for i, s := range cronSeeds {
		f.Add(s, int64(i)*7919, uint32(i)*3600, uint8(i))
	}
	zones := []string{"UTC", "America/New_York", "Australia/Lord_Howe", "Europe/London", "Asia/Kolkata"}
	f.Fuzz(func(t *testing.T, expr string, from int64, span uint32, z uint8) {
		tr, err := Cron(expr)
		if err != nil {
			return
		}
		loc := mustLoad(t, zones[int(z)%len(zones)])
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(from%(800*86400)) * time.Second)
		first := tr.Next(start.In(loc))
		if first.IsZero() {
			return
		}
		until := first.Add(time.Duration(span%(40*86400)) * time.Second)
		sp := spanOf(t, tr, loc, start, until, z&0x80 != 0, time.Time{})
		if n := len(naiveTicksCapped(sp, 20_000)); n >= 20_000 {
			return // too long to walk in a fuzz iteration
		}
		requireSameCount(t, sp)
	})
}

// naiveTicksCapped is naiveTicks, stopping after max ticks.
func naiveTicksCapped(sp tickSpan, max int) []time.Time {
	ts := []time.Time{sp.first}
	for x := sp.next(sp.first); sp.in(x) && len(ts) < max; x = sp.next(x) {
		ts = append(ts, x)
	}
	return ts
}

// TestMatchingDaysCycles checks that counting whole 400-year cycles once
// gives what counting each month gives.
func TestMatchingDaysCycles(t *testing.T) {
	for _, expr := range []string{"0 0 29 2 *", "0 0 * * 1#2", "0 0 13 * fri", "0 0 LW * *", "* * * * *"} {
		t.Run(expr, func(t *testing.T) {
			f := mustTrigger(t, expr).(*cron).f
			for _, span := range []int64{cycleDays, 2*cycleDays - 1, 2 * cycleDays, 3*cycleDays + 1234} {
				d0 := int64(-5000)
				n, last := f.matchingDays(d0, d0+span)
				wn, wlast := f.matchingDaysIn(d0, d0+span)
				require.Equal(t, wn, n, "span %d", span)
				require.Equal(t, wlast, last, "span %d", span)
			}
		})
	}
}

// BenchmarkCountTicks is the misfire bookkeeping of a month of a
// per-second trigger: the count and, for MisfireCatchUp, the first of the
// last 1,000 ticks.
func BenchmarkCountTicks(b *testing.B) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(b, err)
	cron := func(expr string) Trigger {
		tr, err := Cron(expr)
		require.NoError(b, err)
		return tr
	}
	for _, bc := range []struct {
		name string
		tr   Trigger
		loc  *time.Location
	}{
		{"cron-UTC", cron("* * * * * *"), time.UTC},
		{"cron-New_York", cron("* * * * * *"), ny},
		{"cron-weekdays-New_York", cron("*/5 * 9-17 * * mon-fri"), ny},
		{"or", Or(cron("*/2 * * * * *"), cron("*/3 * * * * *")), time.UTC},
	} {
		next := func(x time.Time) time.Time { return bc.tr.Next(x.In(bc.loc)) }
		first := next(c0)
		sp := tickSpan{tr: bc.tr, next: next, loc: bc.loc, first: first, until: first.Add(30 * 24 * time.Hour)}
		benchSpan(b, bc.name, sp)
	}
}

// TestCountTicksEmptySpan checks a span that ends before its first tick:
// the first tick alone, as the walk reported it, and never a panic.
func TestCountTicksEmptySpan(t *testing.T) {
	for _, tr := range []Trigger{Every(time.Second), At(c0.Add(time.Second)), mustTrigger(t, "* * * * * *"), Or(Every(time.Second))} {
		sp := spanOf(t, tr, time.UTC, c0, c0, false, time.Time{})
		got := countTicks(sp)
		require.Equal(t, 1, got.n, "%v", tr)
		require.True(t, c0.Add(time.Second).Equal(got.last), "%v", tr)
	}
}

// benchSpan measures counting sp and finding the last maxCatchUp ticks of
// it, as a misfire does, as name/count and name/catch-up.
func benchSpan(b *testing.B, name string, sp tickSpan) {
	b.Run(name+"/count", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			countTicks(sp)
		}
	})
	b.Run(name+"/catch-up", func(b *testing.B) {
		b.ReportAllocs()
		tc := countTicks(sp)
		for b.Loop() {
			lastTicks(sp, tc, maxCatchUp)
		}
	})
}
