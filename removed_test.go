package periodic_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// Issue #12 item 11: a removed job refuses work with ErrRemoved, which
// still reads as ErrClosed; after Shutdown, ErrClosed alone.
func TestRunNowRemovedVsClosed(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), e.sleeper(1), periodic.WithName("gone"))
	require.NoError(t, err)
	e.s.Start()
	job.Remove()
	f := job.RunNow()
	require.ErrorIs(t, f.Err(), periodic.ErrRemoved)
	require.ErrorIs(t, f.Err(), periodic.ErrClosed)
	require.EqualError(t, f.Err(), `periodic: job "gone": RunNow: job removed`)
	_, err = job.Backfill(context.Background(), t0.Add(-time.Hour), t0)
	require.ErrorIs(t, err, periodic.ErrRemoved)

	other, err := periodic.Schedule(e.s, periodic.Every(time.Hour), e.sleeper(1), periodic.WithName("other"))
	require.NoError(t, err)
	require.NoError(t, e.s.Shutdown(context.Background()))
	f = other.RunNow()
	require.ErrorIs(t, f.Err(), periodic.ErrClosed)
	require.NotErrorIs(t, f.Err(), periodic.ErrRemoved)
	require.EqualError(t, f.Err(), `periodic: job "other": RunNow: scheduler closed`)
}

// Issue #12 item 11: a run refused while it waited for a concurrency slot
// reaches OnRun, already settled, whatever refused it.
func TestOnRunSeesRunRefusedInSlot(t *testing.T) {
	cases := []struct {
		name   string
		refuse func(e *env, job *periodic.Job[int], f *periodic.Future[int])
		want   error
	}{
		{"cancel", func(_ *env, _ *periodic.Job[int], f *periodic.Future[int]) { f.Cancel() }, periodic.ErrCancelled},
		{"remove", func(_ *env, job *periodic.Job[int], _ *periodic.Future[int]) { job.Remove() }, periodic.ErrRemoved},
		{"shutdown", func(e *env, _ *periodic.Job[int], _ *periodic.Future[int]) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_ = e.s.Shutdown(ctx)
		}, periodic.ErrClosed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, quiet, periodic.WithMaxConcurrency(1))
			block, err := periodic.Schedule(e.s, periodic.Every(time.Hour), e.sleeper(30), periodic.WithName("block"))
			require.NoError(t, err)
			job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), e.sleeper(1), periodic.WithName("job"))
			require.NoError(t, err)
			var mu sync.Mutex
			var seen []*periodic.Future[int]
			job.OnRun(func(tick time.Time, f *periodic.Future[int]) {
				mu.Lock()
				defer mu.Unlock()
				require.NotErrorIs(t, f.Err(), periodic.ErrInvalidState, "a refused run reaches OnRun settled")
				seen = append(seen, f)
			})
			e.s.Start()
			block.RunNow()
			waiting := job.RunNow()
			e.advance(time.Second)
			require.ErrorIs(t, waiting.Err(), periodic.ErrInvalidState)
			c.refuse(e, job, waiting)
			e.advance(0) // the report's goroutine is the scheduler's: Advance waits for it
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, []*periodic.Future[int]{waiting}, seen)
			require.ErrorIs(t, waiting.Err(), c.want)
		})
	}
}

// TestOnRunSeesQueuedRunRemoved: a tick queued by OverlapQueue behind a
// run in flight, refused by Remove, reaches OnRun with ErrRemoved.
func TestOnRunSeesQueuedRunRemoved(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), e.sleeper(15), periodic.WithName("q"),
		periodic.WithOverlap(periodic.OverlapQueue))
	require.NoError(t, err)
	var mu sync.Mutex
	var seen []string
	job.OnRun(func(tick time.Time, f *periodic.Future[int]) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, sec(tick)+" "+fmt.Sprint(f.Err()))
	})
	e.s.Start()
	e.advance(21 * time.Second) // the 10 s run sleeps until 25 s; the 20 s tick is queued
	job.Remove()
	e.advance(0)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{
		"10s periodic: invalid state: the future is still pending", // seen as it starts
		`20s periodic: job "q": job removed`,                       // refused in the queue
	}, seen)
}
