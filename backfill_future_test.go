package periodic_test

import (
	"context"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// Backfill refuses a range that ends after now: those ticks have not come
// yet, run live, and backfilled they would run twice.
func TestBackfillRefusesTicksToCome(t *testing.T) {
	for _, tc := range []struct {
		name    string
		from    time.Time
		to      time.Time
		wantErr string // empty: accepted
		runs    map[time.Time]int
	}{
		{name: "ends after now", from: at(0), to: at(30),
			wantErr: "Backfill(2026-01-01T00:00:00Z, 2026-01-01T00:00:30Z): to is after now (2026-01-01T00:00:05Z)",
			runs:    map[time.Time]int{at(10): 1}},
		{name: "ends a nanosecond after now", from: at(0), to: at(5).Add(time.Nanosecond),
			wantErr: "to is after now", runs: map[time.Time]int{at(10): 1}},
		{name: "ends now", from: at(0), to: at(5), runs: map[time.Time]int{at(0): 1, at(10): 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			runs := map[time.Time]int{} // written by runs, one at a time
			job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
				runs[periodic.TickFrom(ctx)]++
				return 0, nil
			}, periodic.WithStartAt(t0), periodic.WithLimit(2))
			require.NoError(t, err)
			e.m.Set(at(5))
			e.s.Start() // the tick at 0 is missed: WithStartAt anchors, the first live tick is 10 s
			fs, err := job.Backfill(context.Background(), tc.from, tc.to)
			if tc.wantErr != "" {
				require.ErrorIs(t, err, periodic.ErrInvalid)
				require.ErrorContains(t, err, tc.wantErr)
				require.Empty(t, fs)
			} else {
				require.NoError(t, err)
				require.Len(t, fs, 1)
			}
			e.advance(10 * time.Second)
			require.Equal(t, tc.runs, runs)
		})
	}
}
