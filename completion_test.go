package periodic_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// fromEndJob schedules a job on Every(10s) that records its ticks and
// sleeps 3 s, with WithIntervalFromCompletion and opts.
func fromEndJob(t *testing.T, e *env, opts ...periodic.JobOption) (*periodic.Job[int], func() []time.Duration) {
	t.Helper()
	var mu sync.Mutex
	var ticks []time.Duration
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		mu.Lock()
		ticks = append(ticks, periodic.TickFrom(ctx).Sub(t0))
		mu.Unlock()
		return 0, periodic.Sleep(ctx, 3*time.Second)
	}, append([]periodic.JobOption{periodic.WithIntervalFromCompletion(), periodic.WithName("j")}, opts...)...)
	require.NoError(t, err)
	return job, func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return append([]time.Duration(nil), ticks...)
	}
}

// Issue #12 item 15: WithIntervalFromCompletion counts each interval from
// the end of the previous tick's run; the next tick is unknown meanwhile.
func TestIntervalFromCompletion(t *testing.T) {
	e := newEnv(t, quiet)
	job, ticks := fromEndJob(t, e)
	e.s.Start()
	require.Equal(t, at(10), job.NextRun())
	e.advance(11 * time.Second) // the 10 s run sleeps until 13 s
	require.True(t, job.NextRun().IsZero(), "unknown until the run ends")
	require.Empty(t, job.Describe(3).NextRuns)
	e.advance(2 * time.Second) // 13 s: it ended
	require.Equal(t, at(23), job.NextRun())
	require.Equal(t, []time.Time{at(23), at(33), at(43)}, job.Describe(3).NextRuns, "as far as the trigger knows")
	e.advance(37 * time.Second) // to 50 s
	require.Equal(t, []time.Duration{10 * time.Second, 23 * time.Second, 36 * time.Second, 49 * time.Second}, ticks())
	require.Equal(t, 3, job.Stats().Runs)
	job.RunNow() // at 50 s, in flight with the 49 s run: ticks stay on their own runs
	e.advance(20 * time.Second)
	require.Equal(t, []time.Duration{10 * time.Second, 23 * time.Second, 36 * time.Second, 49 * time.Second,
		50 * time.Second, 62 * time.Second}, ticks(), "RunNow at 50 s; the 49 s run ended at 52 s")
}

// TestIntervalFromCompletionLimitPauseRemove checks the job's state
// machine with the ticks waiting for runs' ends.
func TestIntervalFromCompletionLimitPauseRemove(t *testing.T) {
	t.Run("limit", func(t *testing.T) {
		e := newEnv(t, quiet)
		job, ticks := fromEndJob(t, e, periodic.WithLimit(2))
		e.s.Start()
		e.advance(60 * time.Second)
		require.Equal(t, []time.Duration{10 * time.Second, 23 * time.Second}, ticks())
		require.True(t, job.NextRun().IsZero())
	})
	t.Run("paused during the run", func(t *testing.T) {
		e := newEnv(t, quiet)
		job, ticks := fromEndJob(t, e)
		e.s.Start()
		e.advance(11 * time.Second)
		job.Pause()
		e.advance(19 * time.Second) // to 30 s: the run ended at 13 s, its next tick 23 s passed while paused
		require.True(t, job.NextRun().IsZero())
		job.Resume() // from 23 s on: the first tick after now
		require.Equal(t, at(33), job.NextRun())
		e.advance(10 * time.Second)
		require.Equal(t, []time.Duration{10 * time.Second, 33 * time.Second}, ticks())
	})
	t.Run("paused and resumed during the run", func(t *testing.T) {
		e := newEnv(t, quiet)
		job, ticks := fromEndJob(t, e)
		e.s.Start()
		e.advance(11 * time.Second)
		job.Pause()
		job.Resume() // the run's end still arms the next tick
		e.advance(19 * time.Second)
		require.Equal(t, []time.Duration{10 * time.Second, 23 * time.Second}, ticks())
	})
	t.Run("removed during the run", func(t *testing.T) {
		e := newEnv(t, quiet)
		job, ticks := fromEndJob(t, e)
		e.s.Start()
		e.advance(11 * time.Second)
		job.Remove()
		e.advance(30 * time.Second)
		require.Equal(t, []time.Duration{10 * time.Second}, ticks())
		require.True(t, job.NextRun().IsZero())
	})
	t.Run("waiting for a slot", func(t *testing.T) {
		e := newEnv(t, quiet, periodic.WithMaxConcurrency(1))
		block, err := periodic.Schedule(e.s, periodic.Every(time.Hour), e.sleeper(30), periodic.WithName("block"))
		require.NoError(t, err)
		job, ticks := fromEndJob(t, e)
		e.s.Start()
		block.RunNow() // holds the slot until 30 s
		e.advance(20 * time.Second)
		require.True(t, job.NextRun().IsZero(), "the 10 s run waits for the slot")
		e.advance(22 * time.Second) // to 42 s: it ran from 30 s to 33 s
		require.Equal(t, []time.Duration{10 * time.Second}, ticks())
		require.Equal(t, at(43), job.NextRun())
	})
}
