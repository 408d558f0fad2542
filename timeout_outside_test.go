package periodic_test

import (
	"context"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
)

// TestTimeoutOnOutsideTaskInRun checks that a Timeout asked inside a run,
// on a Go task started outside any run (a goroutine the scheduler does
// not own), fires at its exact virtual instant and that the run resumes
// there: the scheduler stays busy from the cancel until the task settles,
// so Advance neither moves the clock nor returns in between.
func TestTimeoutOnOutsideTaskInRun(t *testing.T) {
	for _, name := range []string{"mock", "fast"} {
		t.Run(name, func(t *testing.T) {
			ctx := bounded(t, 10*time.Second)
			var c periodictest.Settable
			m := clock.NewMock()
			m.Set(t0)
			c = m
			if name == "fast" {
				c = periodictest.NewClock(t0)
			}
			s := periodic.New(periodic.WithClock(c), quiet)
			outside := periodic.Go(context.Background(), func(ctx context.Context) (int, error) {
				<-ctx.Done()
				return 0, ctx.Err()
			})
			var resumed time.Duration
			job, err := periodic.Schedule(s, periodic.Every(time.Second), func(ctx context.Context) (int, error) {
				_, err := periodic.Timeout(ctx, outside, time.Hour).Await(ctx)
				resumed = s.Now().Sub(t0)
				return 0, err
			}, periodic.WithLimit(1))
			require.NoError(t, err)
			s.Start()
			require.NoError(t, periodictest.Advance(ctx, s, c, 2*time.Hour))
			require.Equal(t, time.Hour+time.Second, resumed)
			require.ErrorIs(t, job.Last().Err(), context.DeadlineExceeded)
			require.NoError(t, s.Shutdown(ctx))
		})
	}
}
