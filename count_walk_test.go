package periodic

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCombinedWalkAsNext checks that walking an Or or an And member by
// member yields what asking the job's Next tick after tick yields: the
// same instants in the same zone, across DST changes, ties between
// members, members that end (At), members that never meet, and a stop.
func TestCombinedWalkAsNext(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	lh := mustLoad(t, "Australia/Lord_Howe")
	march := time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC) // New York springs forward on the 8th
	tests := []walkCase{
		{"crons, ties", Or(mustTrigger(t, "*/2 * * * * *"), mustTrigger(t, "*/3 * * * * *")), time.UTC, c0, time.Hour, time.Time{}, true},
		{"spring forward", Or(mustTrigger(t, "0 */20 * * * *"), mustTrigger(t, "0 30 2 * * *")), ny, march, 3 * 24 * time.Hour, time.Time{}, true},
		{"fall back, half hour", Or(mustTrigger(t, "0 0,30 * * * *"), mustTrigger(t, "CRON_TZ=UTC 0 15 * * * *")), lh, time.Date(2026, 4, 4, 0, 0, 0, 0, time.UTC), 2 * 24 * time.Hour, time.Time{}, true},
		{"every as a grid", Or(Every(7*time.Minute), mustTrigger(t, "0 0 * * * *")), ny, c0, 24 * time.Hour, time.Time{}, true},
		{"at ends", Or(At(c0.Add(90*time.Second), c0.Add(3*time.Hour), c0.Add(3*time.Hour)), Every(time.Hour)), time.UTC, c0, 6 * time.Hour, time.Time{}, true},
		{"only at, all end", Or(At(c0.Add(time.Second), c0.Add(time.Minute))), time.UTC, c0, time.Hour, time.Time{}, true},
		{"stop", Or(mustTrigger(t, "*/2 * * * * *"), mustTrigger(t, "*/3 * * * * *")), time.UTC, c0, time.Hour, c0.Add(10 * time.Minute), true},
		{"nested Ors, flattened", Or(Or(Every(time.Minute), mustTrigger(t, "*/5 * * * * *")), mustTrigger(t, "*/7 * * * * *")), time.UTC, c0, time.Hour, time.Time{}, true},
		{"an And in an Or: walked by Next", Or(And(Every(time.Minute), mustTrigger(t, "*/5 * * * * *")), mustTrigger(t, "*/7 * * * * *")), time.UTC, c0, time.Hour, time.Time{}, false},
		{"and", And(mustTrigger(t, "*/2 * * * * *"), mustTrigger(t, "*/3 * * * * *")), time.UTC, c0, time.Hour, time.Time{}, true},
		{"and, three, a grid", And(mustTrigger(t, "*/4 * * * * *"), Every(10*time.Second), mustTrigger(t, "* */2 * * * *")), ny, c0, 3 * time.Hour, time.Time{}, true},
		{"and, spring forward", And(mustTrigger(t, "0 */10 * * * *"), mustTrigger(t, "0 0,30 1-3 * * *")), ny, march, 3 * 24 * time.Hour, time.Time{}, true},
		{"and, stop", And(mustTrigger(t, "*/2 * * * * *"), mustTrigger(t, "*/5 * * * * *")), time.UTC, c0, time.Hour, c0.Add(7 * time.Minute), true},
		{"and, at ends", And(At(c0.Add(10*time.Second), c0.Add(20*time.Second), c0.Add(21*time.Second)), Every(10*time.Second)), time.UTC, c0, time.Hour, time.Time{}, true},
		{"and, members stop meeting", And(At(c0.Add(10*time.Second), c0.Add(time.Hour+time.Second)), mustTrigger(t, "*/10 * * * * *")), time.UTC, c0, 3 * time.Hour, time.Time{}, true},
		{"and: nested, walked by Next", And(Or(Every(time.Minute)), mustTrigger(t, "0 * * * * *")), time.UTC, c0, time.Hour, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp := spanOf(t, tt.tr, tt.loc, tt.from, tt.from.Add(tt.span), false, tt.stop)
			fixed := false
			switch tr := tt.tr.(type) {
			case or:
				_, fixed = flatOr(tr.ts, nil)
			case and:
				fixed = fixedMembers(tr.ts)
			}
			require.Equal(t, tt.fixed, fixed)
			requireWalkAsNext(t, sp)
		})
	}
}

// TestCronStepAsNext checks cronStep against Next on every seed cron
// expression, in zones with clock changes (New York, Lord Howe's half
// hour, London, Kolkata), stepping from each activation and from just
// before the next, as Or's and And's walks ask: the same instant in the
// same zone every time.
func TestCronStepAsNext(t *testing.T) {
	zones := []string{"UTC", "America/New_York", "Australia/Lord_Howe", "Europe/London", "Asia/Kolkata"}
	starts := []time.Time{
		time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC),   // New York springs forward on the 8th
		time.Date(2026, 10, 24, 22, 0, 0, 0, time.UTC), // London falls back on the 25th
		time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC),   // New York falls back
		time.Date(2026, 4, 4, 13, 0, 0, 0, time.UTC),   // Lord Howe falls back half an hour
		time.Date(2026, 2, 28, 23, 59, 58, 5, time.UTC),
		time.Date(2026, 3, 8, 6, 59, 0, 0, time.UTC),   // New York, a minute before 02:00 EST
		time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC),  // New York, 01:30 EDT
		time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), // London, 01:30 BST
		time.Date(2026, 4, 4, 14, 45, 0, 0, time.UTC),  // Lord Howe, 01:45 before 02:00 turns 01:30
		time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC),  // New York, 01:30 EST: a repeated wall
		time.Date(2026, 10, 25, 1, 20, 0, 0, time.UTC), // London, 01:20 GMT: a repeated wall
		time.Date(2026, 4, 4, 15, 10, 0, 0, time.UTC),  // Lord Howe, 01:40 +10:30: a repeated wall
	}
	exprs := append([]string{"*/5 * * * * *", "*/10 * 1-3 * * *", "0,30 * 1,2 * * *", "* 59 1 * * *", "*/3 15-45 1 * * *"}, cronSeeds...)
	steps := 0
	for _, expr := range exprs {
		tr, err := Cron(expr)
		if err != nil {
			continue
		}
		c := tr.(*cron)
		for _, zone := range zones {
			loc := mustLoad(t, zone)
			for _, start := range starts {
				var st cronStep
				x := start.In(loc)
				for range 120 {
					want := c.Next(x)
					got := st.next(c, x)
					if !want.Equal(got) || want.Location() != got.Location() { // not require: 10^5 steps under -race
						require.Failf(t, "cronStep differs from Next", "%q in %s after %v: want %v, got %v", expr, zone, x, want, got)
					}
					if want.IsZero() {
						break
					}
					steps++
					if steps%3 == 0 { // And asks from just before a candidate
						x = want.Add(-time.Nanosecond).In(loc)
						continue
					}
					x = want.In(loc)
				}
			}
		}
	}
	require.Greater(t, steps, 100_000)
}

// BenchmarkWalkMonth is the misfire walk of a month of per-second
// combined triggers that count.go cannot count in closed form: the count
// (walkCap ticks and the bisection) and the first of the last 1,000
// ticks, as BenchmarkCountTicks measures for Or.
func BenchmarkWalkMonth(b *testing.B) {
	cron := func(expr string) Trigger {
		tr, err := Cron(expr)
		require.NoError(b, err)
		return tr
	}
	for _, bc := range []struct {
		name string
		tr   Trigger
	}{
		{"or", Or(cron("*/2 * * * * *"), cron("*/3 * * * * *"))},
		{"and", And(cron("*/2 * * * * *"), cron("*/3 * * * * *"))},
		{"except", Except(cron("* * * * * *"), cron("* 0 * * * *"))},
		{"or-nested", Or(Or(cron("*/2 * * * * *")), cron("*/3 * * * * *"))},
	} {
		next := func(x time.Time) time.Time { return bc.tr.Next(x.In(time.UTC)) }
		first := next(c0)
		sp := tickSpan{tr: bc.tr, next: next, loc: time.UTC, first: first, until: first.Add(30 * 24 * time.Hour)}
		benchSpan(b, bc.name, sp)
	}
}

// requireWalkAsNext checks that walking sp (ticksAfter) gives the ticks
// that asking Next one tick at a time gives, in the same zones, and
// returns them.
func requireWalkAsNext(t *testing.T, sp tickSpan) []time.Time {
	t.Helper()
	want := naiveTicks(sp)
	next := sp.ticksAfter(sp.first)
	got := []time.Time{sp.first}
	for x := next(); sp.in(x); x = next() {
		got = append(got, x)
	}
	require.Len(t, got, len(want))
	for i := range want {
		require.True(t, want[i].Equal(got[i]), "tick %d: want %v, got %v", i, want[i], got[i])
		require.Equal(t, want[i].Location(), got[i].Location(), "tick %d", i)
	}
	return got
}

// walkCase is a span of a trigger's ticks to walk member by member and
// compare with its Next: from from, span long, in loc, up to stop; fixed
// says the trigger's members have fixed sets (walked by members).
type walkCase struct {
	name  string
	tr    Trigger
	loc   *time.Location
	from  time.Time
	span  time.Duration
	stop  time.Time
	fixed bool
}
