package periodic_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

func TestHandles(t *testing.T) {
	e := newEnv(t)
	a, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		return 1, periodic.Sleep(ctx, 5*time.Second)
	}, periodic.WithName("a"))
	require.NoError(t, err)
	_, err = periodic.Schedule(e.s, periodic.Every(time.Minute), func(context.Context) (string, error) {
		return "", errors.New("b failed")
	}, periodic.WithName("b"), periodic.StartImmediately())
	require.NoError(t, err)

	hs := e.s.Handles()
	require.Len(t, hs, 2)
	require.Equal(t, "a", hs[0].Name())
	require.Equal(t, "b", hs[1].Name())
	require.Same(t, a, hs[0].(*periodic.Job[int]))

	var seen []string
	stop := hs[0].OnRunAny(func(tick time.Time, f periodic.AnyFuture) {
		e.printf("a run of tick %s", tick.Format("15:04:05"))
		f.OnSettled(func() { e.printf("a settled: %v", f.Err()) })
	})
	hs[1].OnRunAny(func(tick time.Time, f periodic.AnyFuture) {
		f.OnSettled(func() { e.printf("b settled: %v", f.Err()) })
	})
	e.s.Start()
	e.advance(15 * time.Second)
	seen = append(seen, e.lines()...)
	f := hs[0].RunNowAny()
	e.advance(5 * time.Second)
	require.NoError(t, f.Err())
	seen = append(seen, e.lines()...)
	require.Equal(t, []string{
		"  0s b settled: b failed",
		" 10s a run of tick 00:00:10",
		" 15s a settled: <nil>",
		" 15s a run of tick 00:00:15",
		" 20s a run of tick 00:00:20",
		" 20s a settled: <nil>",
	}, seen)

	require.True(t, stop())
	hs[0].Pause()
	require.True(t, a.Paused())
	hs[0].Resume()
	require.False(t, hs[0].Paused())
	require.Equal(t, "every 10s", hs[0].Describe(1).Trigger)

	a.Remove()
	require.Equal(t, []string{"b"}, names(e.s.Handles()))
}

// names returns the handles' names.
func names(hs []periodic.JobHandle) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Name()
	}
	return out
}
