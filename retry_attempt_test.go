package periodic_test

import (
	"context"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// slowAttempts returns a job whose attempts up to slow sleep 5 s (printing
// how the sleep ended) and then fail, and whose later attempts succeed at
// once with their number.
func (e *env) slowAttempts(slow int) periodic.Func[int] {
	return func(ctx context.Context) (int, error) {
		n := periodic.Attempt(ctx)
		e.printf("attempt %d", n)
		if n > slow {
			return n, nil
		}
		err := periodic.Sleep(ctx, 5*time.Second)
		e.printf("attempt %d slept: %v", n, err)
		if err != nil {
			return 0, err
		}
		return 0, errBoom
	}
}

// TestRetryAttemptTimeout checks Retry.AttemptTimeout on the mock clock:
// each attempt is cancelled exactly 2 s after it starts, the overrun is a
// failure wrapping context.DeadlineExceeded that is retried, and the run
// settles with the value of the first quick attempt, or, when every
// attempt overruns, fails (not cancelled) with the deadline.
func TestRetryAttemptTimeout(t *testing.T) {
	for _, tc := range []struct {
		name    string
		retries int
		want    []string
	}{
		{"the third attempt succeeds", 2, []string{
			" 10s attempt 1", " 12s attempt 1 slept: context canceled",
			" 13s attempt 2", " 15s attempt 2 slept: context canceled",
			" 17s attempt 3", " 17s tick 10s settled: <nil>",
		}},
		{"every attempt overruns", 1, []string{
			" 10s attempt 1", " 12s attempt 1 slept: context canceled",
			" 13s attempt 2", " 15s attempt 2 slept: context canceled",
			" 15s tick 10s settled: periodic: timed out after 2s: context deadline exceeded",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, quiet)
			job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), e.slowAttempts(2),
				periodic.WithRetry(periodic.Retry{Retries: tc.retries, Initial: time.Second, AttemptTimeout: 2 * time.Second}),
				periodic.WithLimit(1))
			require.NoError(t, err)
			settledLog(e, job)
			e.s.Start()
			e.advance(time.Minute)
			require.Equal(t, tc.want, e.lines())
			require.False(t, job.Last().Cancelled())
			if tc.retries == 1 {
				require.ErrorIs(t, job.Last().Err(), context.DeadlineExceeded)
			} else {
				requireValue(t, job.Last(), 3)
			}
			require.Equal(t, tc.retries, job.Stats().Retries)
		})
	}
}

// TestRetryAttemptTimeoutCancel checks that a run cancelled during an
// attempt under AttemptTimeout settles as cancelled, after the attempt
// has returned, and is not retried.
func TestRetryAttemptTimeoutCancel(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), e.slowAttempts(2),
		periodic.WithRetry(periodic.Retry{Retries: 3, Initial: time.Second, AttemptTimeout: 4 * time.Second}),
		periodic.WithLimit(1))
	require.NoError(t, err)
	settledLog(e, job)
	e.s.Start()
	e.advance(11 * time.Second)
	require.True(t, job.Last().Cancel())
	e.advance(time.Minute)
	require.Equal(t, []string{
		" 10s attempt 1", " 11s attempt 1 slept: context canceled", " 11s tick 10s settled: periodic: cancelled: context canceled",
	}, e.lines())
	require.True(t, job.Last().Cancelled())
	require.Zero(t, job.Stats().Retries)
}

// TestRetryAttemptTimeoutBadInput checks that a negative AttemptTimeout
// is refused, naming it.
func TestRetryAttemptTimeoutBadInput(t *testing.T) {
	s := periodic.New()
	job, err := periodic.Schedule(s, periodic.Every(time.Second), func(context.Context) (int, error) { return 0, nil },
		periodic.WithRetry(periodic.Retry{Retries: 1, Initial: time.Second, AttemptTimeout: -time.Second}))
	require.Nil(t, job)
	require.ErrorIs(t, err, periodic.ErrInvalid)
	require.ErrorContains(t, err, "AttemptTimeout -1s: must not be negative")
	require.NoError(t, s.Shutdown(context.Background()))
}
