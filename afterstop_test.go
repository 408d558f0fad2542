package periodic_test

import (
	"context"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// After Shutdown nobody keeps the scheduler's deadlines: Sleep on a
// context derived from one of its runs returns ErrClosed at once (or as
// the scheduler stops, for a goroutine it does not own), and Timeout asked
// on such a context gives a future that has already failed with ErrClosed.
func TestSleepAndTimeoutAfterStop(t *testing.T) {
	e := newEnv(t)
	got := make(chan context.Context, 1)
	slept := make(chan error, 1)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
		got <- ctx
		go func() { slept <- periodic.Sleep(context.WithoutCancel(ctx), time.Hour) }() // not the scheduler's
		return 0, nil
	})
	require.NoError(t, err)
	e.s.Start()
	_, err = job.RunNow().Await(context.Background())
	require.NoError(t, err)
	run := <-got
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, e.s.Shutdown(ctx))
	<-e.s.Done()
	require.ErrorIs(t, <-slept, periodic.ErrClosed) // woken as the scheduler stopped

	require.ErrorIs(t, periodic.Sleep(run, time.Hour), context.Canceled) // the run's own context ended with it
	err = periodic.Sleep(context.WithoutCancel(run), time.Hour)
	require.ErrorIs(t, err, periodic.ErrClosed)
	require.ErrorContains(t, err, "Sleep: the run's scheduler has stopped")
	for _, c := range []context.Context{run, context.WithoutCancel(run)} {
		pending := periodic.NewPromise[int]().Future()
		f := periodic.Timeout(c, pending, 10*time.Millisecond)
		select {
		case <-f.Done():
		default:
			t.Fatal("Timeout after Shutdown is pending")
		}
		require.ErrorIs(t, f.Err(), periodic.ErrClosed)
		require.ErrorContains(t, f.Err(), "Timeout: the scheduler of its clock has stopped")
	}
}
