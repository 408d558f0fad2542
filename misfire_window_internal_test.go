package periodic

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
)

// TestMisfireWindowCountIsHonest checks that a misfire whose ticks older
// than the catch-up window are too many to count (a walk past walkCap,
// see countTicks) says that Missed and Dropped are lower bounds, even when
// the ticks within the window are counted exactly.
func TestMisfireWindowCountIsHonest(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := clock.NewMock()
	m.Set(t0)
	s := New(WithClock(m), WithLocation(time.UTC), WithLogger(slog.New(slog.DiscardHandler)))
	every6s := And(MustCron("*/2 * * * * *"), MustCron("*/3 * * * * *")) // a combinator: walked, not counted in closed form
	for _, tc := range []struct {
		name    string
		window  time.Duration
		atLeast bool
	}{
		{"old ticks beyond the cap, the window's counted", time.Hour, true}, // 30 days: ~432,000 old ticks, 600 in the window
		{"every tick counted", 24 * 30 * time.Hour, true},                   // all within the window: 432,000, beyond the cap
		{"a few old ticks", time.Hour, false},                               // 2 hours late: 600 old, 600 in the window
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, err := Schedule(s, every6s, func(context.Context) (int, error) { return 0, nil },
				WithMisfire(MisfireSkip), WithCatchupWindow(tc.window))
			require.NoError(t, err)
			tick := t0.Add(6 * time.Second)
			gap := 30 * 24 * time.Hour
			if !tc.atLeast {
				gap = 2 * time.Hour
			}
			p := j.misfire(tick, tick.Add(gap))
			require.Equal(t, tc.atLeast, p.atLeast, "missed %d, dropped %d", p.missed, p.dropped)
			if !tc.atLeast {
				require.Equal(t, 1200, p.dropped, "the 600 ticks older than the window, and the 600 in it that MisfireSkip skips")
				require.Equal(t, 1200, p.missed)
			}
			j.Remove()
		})
	}
	require.NoError(t, s.Shutdown(context.Background()))
}
