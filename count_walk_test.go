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
	tests := []struct {
		name  string
		tr    Trigger
		loc   *time.Location
		from  time.Time
		span  time.Duration
		stop  time.Time
		fixed bool
	}{
		{"crons, ties", Or(mustTrigger(t, "*/2 * * * * *"), mustTrigger(t, "*/3 * * * * *")), time.UTC, c0, time.Hour, time.Time{}, true},
		{"spring forward", Or(mustTrigger(t, "0 */20 * * * *"), mustTrigger(t, "0 30 2 * * *")), ny, march, 3 * 24 * time.Hour, time.Time{}, true},
		{"fall back, half hour", Or(mustTrigger(t, "0 0,30 * * * *"), mustTrigger(t, "CRON_TZ=UTC 0 15 * * * *")), lh, time.Date(2026, 4, 4, 0, 0, 0, 0, time.UTC), 2 * 24 * time.Hour, time.Time{}, true},
		{"every as a grid", Or(Every(7*time.Minute), mustTrigger(t, "0 0 * * * *")), ny, c0, 24 * time.Hour, time.Time{}, true},
		{"at ends", Or(At(c0.Add(90*time.Second), c0.Add(3*time.Hour), c0.Add(3*time.Hour)), Every(time.Hour)), time.UTC, c0, 6 * time.Hour, time.Time{}, true},
		{"only at, all end", Or(At(c0.Add(time.Second), c0.Add(time.Minute))), time.UTC, c0, time.Hour, time.Time{}, true},
		{"stop", Or(mustTrigger(t, "*/2 * * * * *"), mustTrigger(t, "*/3 * * * * *")), time.UTC, c0, time.Hour, c0.Add(10 * time.Minute), true},
		{"nested: walked by Next", Or(Or(Every(time.Minute)), mustTrigger(t, "*/7 * * * * *")), time.UTC, c0, time.Hour, time.Time{}, false},
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
			var ts []Trigger
			switch tr := tt.tr.(type) {
			case or:
				ts = tr.ts
			case and:
				ts = tr.ts
			}
			require.Equal(t, tt.fixed, fixedMembers(ts))
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
		})
	}
}
