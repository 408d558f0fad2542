package periodic_test

import (
	"context"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// Cancelling a Backfill run that has not started (pending its turn)
// settles its future at once; it never runs, and the others go on in
// order, the last one included.
func TestBackfillCancelPendingRun(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cancel []int // indexes of the futures to cancel before they start
		want   []time.Time
	}{
		{name: "middle", cancel: []int{3}, want: []time.Time{at(-50), at(-40), at(-30), at(-10)}},
		{name: "last", cancel: []int{4}, want: []time.Time{at(-50), at(-40), at(-30), at(-20)}},
		{name: "next and last", cancel: []int{1, 4}, want: []time.Time{at(-50), at(-30), at(-20)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			var ran []time.Time // written by runs, one at a time
			job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
				ran = append(ran, periodic.TickFrom(ctx))
				return 0, periodic.Sleep(ctx, 10*time.Second)
			}, periodic.WithStartAt(t0), periodic.WithLimit(1))
			require.NoError(t, err)
			e.s.Start()
			fs, err := job.Backfill(context.Background(), at(-50), at(-10))
			require.NoError(t, err)
			require.Len(t, fs, 5)
			e.advance(0) // the -50 s run in flight, the others pending
			for _, i := range tc.cancel {
				require.True(t, fs[i].Cancel())
				select {
				case <-fs[i].Done():
				default:
					t.Fatalf("future %d pending after Cancel", i)
				}
				require.ErrorIs(t, fs[i].Err(), periodic.ErrCancelled)
			}
			e.advance(100 * time.Second)
			var backfilled []time.Time // the live tick at 10 s runs too, between them
			for _, tick := range ran {
				if tick.Before(t0) {
					backfilled = append(backfilled, tick)
				}
			}
			require.Equal(t, tc.want, backfilled)
			for i, f := range fs {
				select {
				case <-f.Done():
				default:
					t.Fatalf("future %d pending", i)
				}
			}
			require.Equal(t, len(tc.want)+1, job.Stats().Runs)
		})
	}
}
