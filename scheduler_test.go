package periodic_test

import (
	"context"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// TestSeedTimeline is the seed note's own output on a mock clock: job
// lengths 13, 14, 13, 6 s spawned every 10 s.
func TestSeedTimeline(t *testing.T) {
	e := newEnv(t)
	lengths := []int{13, 14, 13, 6}
	n := 0
	inFlight, peak := 0, 0
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second),
		func(ctx context.Context) (int, error) {
			d := lengths[n%len(lengths)]
			n++
			inFlight++
			peak = max(peak, inFlight)
			e.printf("sleep for %d seconds", d)
			err := periodic.Sleep(ctx, time.Duration(d)*time.Second)
			inFlight--
			if err != nil {
				return 0, err
			}
			e.printf("finished (%d sec)", d)
			return d, nil
		}, periodic.WithName("run_job"), periodic.StartImmediately(), periodic.WithLimit(4))
	require.NoError(t, err)
	var futures []*periodic.Future[int]
	job.OnRun(func(_ time.Time, f *periodic.Future[int]) { futures = append(futures, f) })
	e.s.Start()
	e.advance(40 * time.Second)
	require.Equal(t, []string{
		"  0s sleep for 13 seconds",
		" 10s sleep for 14 seconds",
		" 13s finished (13 sec)",
		" 20s sleep for 13 seconds",
		" 24s finished (14 sec)",
		" 30s sleep for 6 seconds",
		" 33s finished (13 sec)",
		" 36s finished (6 sec)",
	}, e.lines())
	require.Equal(t, 2, peak)
	require.Len(t, futures, 4)
	for i, f := range futures {
		v, err := f.Result()
		require.NoError(t, err)
		require.Equal(t, lengths[i], v)
	}
	require.True(t, job.NextRun().IsZero())
}
