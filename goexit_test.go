package periodic_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
)

// A job, a hook on the run's goroutine or a Go task that calls
// runtime.Goexit (as t.FailNow does) instead of returning still has its
// books closed and its future settled with ErrGoexit.
func TestGoexitClosesTheBooks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hooks periodic.Hooks
		fn    periodic.Func[int]
	}{
		{name: "job", fn: func(context.Context) (int, error) { runtime.Goexit(); return 1, nil }},
		{name: "BeforeRun", hooks: periodic.Hooks{BeforeRun: func(periodic.Event) { runtime.Goexit() }},
			fn: func(context.Context) (int, error) { return 1, nil }},
		{name: "Go task", fn: func(ctx context.Context) (int, error) {
			return periodic.Go(ctx, func(context.Context) (int, error) { runtime.Goexit(); return 1, nil }).Await(ctx)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, periodic.WithHooks(tc.hooks))
			j, err := periodic.Schedule(e.s, periodic.Every(time.Second), tc.fn, periodic.WithLimit(2))
			require.NoError(t, err)
			e.s.Start()
			bound, stop := context.WithTimeout(context.Background(), time.Minute) // a bound: open books never go idle
			defer stop()
			require.NoError(t, periodictest.Advance(bound, e.s, e.m, 3*time.Second)) // both ticks' books closed
			st := j.Stats()
			require.Equal(t, 2, st.Runs)
			require.Equal(t, 2, st.Failures)
			require.Equal(t, 0, st.InFlight)
			require.ErrorIs(t, st.LastError, periodic.ErrGoexit)
			f := j.Last()
			<-f.Done()
			require.ErrorIs(t, f.Err(), periodic.ErrGoexit)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			require.NoError(t, e.s.Shutdown(ctx))
		})
	}
}
