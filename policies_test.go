package periodic_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
)

// nan returns a NaN, which no option accepts.
func nan() float64 { return math.NaN() }

// quiet keeps the expected failures of these tests out of the log.
var quiet = periodic.WithLogger(slog.New(slog.DiscardHandler))

// errBoom is the failure of the jobs in these tests.
var errBoom = errors.New("boom")

// sec formats the offset of t from t0 like env.printf does.
func sec(t time.Time) string { return fmt.Sprintf("%.0fs", t.Sub(t0).Seconds()) }

// settledLog makes every run of job log, through e, the instant its future
// settles and its error.
func settledLog[T any](e *env, job *periodic.Job[T]) {
	job.OnRun(func(tick time.Time, f *periodic.Future[T]) {
		f.OnDone(func(f *periodic.Future[T]) { e.printf("tick %s settled: %v", sec(tick), f.Err()) })
	})
}

// TestTimeout checks that a run's context ends exactly WithTimeout after the
// run starts, on the scheduler's clock, and that its future fails with
// context.DeadlineExceeded while quicker runs succeed.
func TestTimeout(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		d := 20 * time.Second
		if periodic.TickFrom(ctx).Equal(at(20)) {
			d = 3 * time.Second
		}
		dl, ok := ctx.Deadline()
		e.printf("start %v, deadline %s %v", d, sec(dl), ok)
		if err := periodic.Sleep(ctx, d); err != nil {
			e.printf("woke: %v", err)
			return 0, err
		}
		return int(d / time.Second), nil
	}, periodic.WithTimeout(5*time.Second), periodic.WithLimit(2))
	require.NoError(t, err)
	settledLog(e, job)
	e.s.Start()
	e.advance(10 * time.Second)
	first := job.Last()
	e.advance(30 * time.Second)
	require.Equal(t, []string{
		" 10s start 20s, deadline 15s true",
		" 15s woke: context deadline exceeded",
		` 15s tick 10s settled: periodic: job "job-1": run timed out after 5s: context deadline exceeded`,
		" 20s start 3s, deadline 25s true",
		" 23s tick 20s settled: <nil>",
	}, e.lines())
	require.ErrorIs(t, first.Err(), context.DeadlineExceeded)
	require.False(t, first.Cancelled())
	v, err := job.Last().Result()
	require.NoError(t, err)
	require.Equal(t, 3, v)
}

// TestTimeoutDerivedContext checks that contexts derived from a run's
// context, and its Go helpers, see context.DeadlineExceeded when the
// timeout passes, at that very instant.
func TestTimeoutDerivedContext(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		child, cancel := context.WithCancel(ctx)
		defer cancel()
		helper := periodic.Go(child, func(ctx context.Context) (int, error) {
			err := periodic.Sleep(ctx, time.Minute)
			e.printf("helper woke: %v", err)
			return 0, err
		})
		_, err := helper.Await(context.WithoutCancel(child)) // wait for the helper to return
		e.printf("child: %v, cause %v", child.Err(), context.Cause(child))
		return 0, err
	}, periodic.WithTimeout(5*time.Second), periodic.WithLimit(1))
	require.NoError(t, err)
	settledLog(e, job)
	e.s.Start()
	e.advance(20 * time.Second)
	require.Equal(t, []string{
		" 15s helper woke: context deadline exceeded",
		" 15s child: context deadline exceeded, cause context deadline exceeded",
		` 15s tick 10s settled: periodic: job "job-1": run timed out after 5s: context deadline exceeded`,
	}, e.lines())
	require.ErrorIs(t, job.Last().Err(), context.DeadlineExceeded)
}

// attempts returns a job function that logs each attempt and fails the
// first fails attempts of every run, then returns the attempt number.
func (e *env) attempts(fails int) periodic.Func[int] {
	return func(ctx context.Context) (int, error) {
		n := periodic.Attempt(ctx)
		e.printf("tick %s attempt %d", sec(periodic.TickFrom(ctx)), n)
		if n <= fails {
			return 0, fmt.Errorf("attempt %d: %w", n, errBoom)
		}
		return n, nil
	}
}

// TestRetryBackoff checks exact attempt times of exponential backoff, that
// the future settles once with the last error, and a cap with Max.
func TestRetryBackoff(t *testing.T) {
	cases := []struct {
		name  string
		retry periodic.Retry
		want  []string
	}{
		{"doubling", periodic.Retry{Retries: 3, Initial: time.Second}, []string{
			" 10s tick 10s attempt 1", " 11s tick 10s attempt 2", " 13s tick 10s attempt 3", " 17s tick 10s attempt 4",
			" 17s tick 10s settled: attempt 4: boom"}},
		{"capped", periodic.Retry{Retries: 4, Initial: time.Second, Multiplier: 3, Max: 5 * time.Second}, []string{
			" 10s tick 10s attempt 1", " 11s tick 10s attempt 2", " 14s tick 10s attempt 3", " 19s tick 10s attempt 4",
			" 24s tick 10s attempt 5", " 24s tick 10s settled: attempt 5: boom"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var retries []periodic.Event
			e := newEnv(t, quiet, periodic.WithHooks(periodic.Hooks{OnRetry: func(ev periodic.Event) { retries = append(retries, ev) }}))
			job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), e.attempts(100),
				periodic.WithRetry(c.retry), periodic.WithLimit(1))
			require.NoError(t, err)
			settledLog(e, job)
			e.s.Start()
			e.advance(time.Minute)
			require.Equal(t, c.want, e.lines())
			require.Len(t, retries, c.retry.Retries)
			for i, ev := range retries {
				require.Equal(t, periodic.EventRetry, ev.Kind)
				require.Equal(t, i+1, ev.Attempt)
				require.True(t, ev.Tick.Equal(at(10)))
				require.EqualError(t, ev.Err, fmt.Sprintf("attempt %d: boom", i+1))
			}
			st := job.Stats()
			require.Equal(t, 1, st.Runs)
			require.Equal(t, 1, st.Failures)
			require.Equal(t, c.retry.Retries, st.Retries)
			require.ErrorIs(t, job.Last().Err(), errBoom)
		})
	}
}

// TestRetrySucceeds checks that a success on a later attempt settles the
// future with that attempt's value.
func TestRetrySucceeds(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), e.attempts(2),
		periodic.WithRetry(periodic.Retry{Retries: 5, Initial: time.Second}), periodic.WithLimit(1))
	require.NoError(t, err)
	settledLog(e, job)
	e.s.Start()
	e.advance(time.Minute)
	require.Equal(t, []string{
		" 10s tick 10s attempt 1", " 11s tick 10s attempt 2", " 13s tick 10s attempt 3", " 13s tick 10s settled: <nil>",
	}, e.lines())
	v, err := job.Last().Result()
	require.NoError(t, err)
	require.Equal(t, 3, v)
	require.Equal(t, periodic.Stats{Runs: 1, Successes: 1, Retries: 2, LastDuration: 3 * time.Second}, job.Stats())
}

// TestRetryJitter checks that retry jitter shortens each wait by a share
// drawn, exactly, from the run's own source, seeded from the WithRand
// source when the run started.
func TestRetryJitter(t *testing.T) {
	e := newEnv(t, quiet, periodic.WithRand(rand.New(rand.NewPCG(1, 2))))
	var starts []time.Duration
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		starts = append(starts, e.m.Now().Sub(t0))
		return 0, errBoom
	}, periodic.WithRetry(periodic.Retry{Retries: 3, Initial: 4 * time.Second, Jitter: 0.5}), periodic.WithLimit(1))
	require.NoError(t, err)
	e.s.Start()
	e.advance(time.Minute)
	src := rand.New(rand.NewPCG(1, 2))
	oracle := rand.New(rand.NewPCG(src.Uint64(), src.Uint64()))
	want := []time.Duration{10 * time.Second}
	for _, w := range []time.Duration{4 * time.Second, 8 * time.Second, 16 * time.Second} {
		w -= time.Duration(oracle.Int64N(int64(w / 2)))
		want = append(want, want[len(want)-1]+w)
	}
	require.Equal(t, want, starts)
	require.ErrorIs(t, job.Last().Err(), errBoom)
}

// TestRetryNotOnCancel checks that a cancelled run is not retried, whether
// it is cancelled during an attempt or while it waits to retry.
func TestRetryNotOnCancel(t *testing.T) {
	for _, during := range []string{"attempt", "backoff"} {
		t.Run(during, func(t *testing.T) {
			e := newEnv(t, quiet)
			job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
				e.printf("attempt %d", periodic.Attempt(ctx))
				if during == "attempt" {
					if err := periodic.Sleep(ctx, 5*time.Second); err != nil {
						return 0, err
					}
				}
				return 0, errBoom
			}, periodic.WithRetry(periodic.Retry{Retries: 3, Initial: 4 * time.Second}), periodic.WithLimit(1))
			require.NoError(t, err)
			settledLog(e, job)
			e.s.Start()
			e.advance(12 * time.Second)
			require.True(t, job.Last().Cancel())
			e.advance(time.Minute)
			require.Equal(t, []string{" 10s attempt 1", " 12s tick 10s settled: periodic: cancelled: context canceled"}, e.lines())
			require.True(t, job.Last().Cancelled())
		})
	}
}

// TestRetryKeepsRunInFlight checks that OverlapSkip skips the ticks that
// come while a run retries.
func TestRetryKeepsRunInFlight(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), e.attempts(100),
		periodic.WithRetry(periodic.Retry{Retries: 2, Initial: 8 * time.Second}),
		periodic.WithOverlap(periodic.OverlapSkip), periodic.WithLimit(2))
	require.NoError(t, err)
	job.OnRun(func(tick time.Time, f *periodic.Future[int]) {
		if errors.Is(f.Err(), periodic.ErrSkipped) {
			e.printf("tick %s skipped", sec(tick))
		}
	})
	e.s.Start()
	e.advance(45 * time.Second)
	require.Equal(t, []string{
		" 10s tick 10s attempt 1", " 18s tick 10s attempt 2", " 20s tick 20s skipped", " 30s tick 30s skipped",
		" 34s tick 10s attempt 3", " 40s tick 40s attempt 1",
	}, e.lines())
	require.Equal(t, 2, job.Stats().Skips)
}

// TestTimeoutCutsRetries checks that the timeout bounds the run with all
// its attempts: it ends during a backoff, and the error keeps the last
// attempt's failure.
func TestTimeoutCutsRetries(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), e.attempts(100),
		periodic.WithRetry(periodic.Retry{Retries: 5, Initial: time.Second}),
		periodic.WithTimeout(5*time.Second), periodic.WithLimit(1))
	require.NoError(t, err)
	settledLog(e, job)
	e.s.Start()
	e.advance(time.Minute)
	require.Equal(t, []string{
		" 10s tick 10s attempt 1", " 11s tick 10s attempt 2", " 13s tick 10s attempt 3",
		` 15s tick 10s settled: periodic: job "job-1": run timed out after 5s: attempt 3: boom; retry abandoned: context deadline exceeded`,
	}, e.lines())
	require.ErrorIs(t, job.Last().Err(), context.DeadlineExceeded)
	require.ErrorIs(t, job.Last().Err(), errBoom)
}

// TestJitter checks that each run starts within [tick, tick+d), exactly as
// the WithRand source says, that TickFrom stays the tick, and that RunNow
// is not delayed.
func TestJitter(t *testing.T) {
	e := newEnv(t, quiet, periodic.WithRand(rand.New(rand.NewPCG(1, 2))))
	var starts, ticks []time.Duration
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		starts = append(starts, e.m.Now().Sub(t0))
		ticks = append(ticks, periodic.TickFrom(ctx).Sub(t0))
		return 0, nil
	}, periodic.WithJitter(5*time.Second), periodic.WithLimit(4))
	require.NoError(t, err)
	e.s.Start()
	e.advance(time.Minute)
	oracle := rand.New(rand.NewPCG(1, 2))
	var want []time.Duration
	for k := 1; k <= 4; k++ {
		tick := time.Duration(k) * 10 * time.Second
		want = append(want, tick+time.Duration(oracle.Int64N(int64(5*time.Second))))
		require.Equal(t, tick, ticks[k-1])
		require.GreaterOrEqual(t, starts[k-1], tick)
		require.Less(t, starts[k-1], tick+5*time.Second)
	}
	require.Equal(t, want, starts)
	f := job.RunNow()
	require.NoError(t, periodictest.WaitIdle(context.Background(), e.s))
	require.NoError(t, f.Err())
	require.Equal(t, time.Minute, starts[4])
}

// TestPolicyBadInput extends TestBadInput with the policies' options.
func TestPolicyBadInput(t *testing.T) {
	ok := func(context.Context) (int, error) { return 0, nil }
	retry := func(r periodic.Retry) []periodic.JobOption { return []periodic.JobOption{periodic.WithRetry(r)} }
	cases := []struct {
		name  string
		s     *periodic.Scheduler
		opts  []periodic.JobOption
		names string
	}{
		{"zero timeout", nil, []periodic.JobOption{periodic.WithTimeout(0)}, "WithTimeout(0s)"},
		{"negative retries", nil, retry(periodic.Retry{Retries: -2, Initial: time.Second}), "Retries -2"},
		{"zero initial", nil, retry(periodic.Retry{Retries: 1}), "Initial 0s"},
		{"negative max", nil, retry(periodic.Retry{Retries: 1, Initial: time.Second, Max: -time.Second}), "Max -1s"},
		{"max below initial", nil, retry(periodic.Retry{Retries: 1, Initial: 2 * time.Second, Max: time.Second}), "Max 1s is below Initial 2s"},
		{"small multiplier", nil, retry(periodic.Retry{Retries: 1, Initial: time.Second, Multiplier: 0.5}), "Multiplier 0.5"},
		{"negative multiplier", nil, retry(periodic.Retry{Retries: 1, Initial: time.Second, Multiplier: -2}), "Multiplier -2"},
		{"NaN multiplier", nil, retry(periodic.Retry{Retries: 1, Initial: time.Second, Multiplier: nan()}), "Multiplier NaN"},
		{"jitter above 1", nil, retry(periodic.Retry{Retries: 1, Initial: time.Second, Jitter: 1.5}), "Jitter 1.5"},
		{"negative jitter share", nil, retry(periodic.Retry{Retries: 1, Initial: time.Second, Jitter: -0.1}), "Jitter -0.1"},
		{"NaN jitter", nil, retry(periodic.Retry{Retries: 1, Initial: time.Second, Jitter: nan()}), "Jitter NaN"},
		{"bad misfire", nil, []periodic.JobOption{periodic.WithMisfire(7)}, "Misfire(7)"},
		{"negative concurrency", periodic.New(periodic.WithMaxConcurrency(-3)), nil, "WithMaxConcurrency(-3)"},
		{"negative grace", periodic.New(periodic.WithMisfireGrace(-time.Second)), nil, "WithMisfireGrace(-1s)"},
		{"nil rand", periodic.New(periodic.WithRand(nil)), nil, "WithRand(nil)"},
		{"nil logger", periodic.New(periodic.WithLogger(nil)), nil, "WithLogger(nil)"},
	}
	good := periodic.New()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := c.s
			if s == nil {
				s = good
			}
			job, err := periodic.Schedule(s, periodic.Every(time.Second), ok, c.opts...)
			require.Nil(t, job)
			require.ErrorIs(t, err, periodic.ErrInvalid)
			require.Contains(t, err.Error(), c.names)
		})
	}
	require.NoError(t, good.Shutdown(context.Background()))
}
