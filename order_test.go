package periodic_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
)

// siblingsOrder runs once the seed of issue 12: a run starts five Go
// tasks that sleep 2, 1, 2, 1, 2 s and ranges over AsCompleted; it returns
// the indexes in the order they completed, with the second of each.
func siblingsOrder(t testing.TB) string {
	ctx := context.Background()
	m := clock.NewMock()
	m.Set(t0)
	s := periodic.New(periodic.WithClock(m), periodic.WithLogger(discard()))
	job, err := periodic.Schedule(s, periodic.Every(time.Hour), func(ctx context.Context) (string, error) {
		var fs []*periodic.Future[int]
		for i, sec := range []int{2, 1, 2, 1, 2} {
			fs = append(fs, periodic.Go(ctx, func(ctx context.Context) (int, error) {
				return i, periodic.Sleep(ctx, time.Duration(sec)*time.Second)
			}))
		}
		var out []string
		for f := range periodic.AsCompleted(ctx, fs...) {
			i, err := f.Result()
			if err != nil {
				return "", err
			}
			out = append(out, fmt.Sprintf("%d@%.0fs", i, m.Now().Sub(t0).Seconds()))
		}
		return strings.Join(out, " "), nil
	})
	require.NoError(t, err)
	s.Start()
	f := job.RunNow()
	require.NoError(t, periodictest.Advance(ctx, s, m, 2*time.Second))
	got, err := f.Result()
	require.NoError(t, err)
	require.NoError(t, s.Shutdown(ctx))
	return got
}

// TestSiblingOrderIsFixed checks that deadlines of sibling tasks at one
// instant are released by the order the tasks were created, whatever order
// their goroutines called Sleep in.
func TestSiblingOrderIsFixed(t *testing.T) {
	seen := map[string]int{}
	for range 50 {
		seen[siblingsOrder(t)]++
	}
	require.Equal(t, map[string]int{"1@1s 3@1s 0@2s 2@2s 4@2s": 50}, seen)
}
