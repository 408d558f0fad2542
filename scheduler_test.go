package periodic_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
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

// sleeper returns a job that logs its start and end and sleeps for the
// next of lengths (in seconds) on the scheduler's clock.
func (e *env) sleeper(lengths ...int) periodic.Func[int] {
	n := 0
	return func(ctx context.Context) (int, error) {
		d := lengths[n%len(lengths)]
		n++
		e.printf("start %d", d)
		if err := periodic.Sleep(ctx, time.Duration(d)*time.Second); err != nil {
			e.printf("cancelled %d", d)
			return 0, err
		}
		e.printf("end %d", d)
		return d, nil
	}
}

// TestOverlap checks each overlap policy's exact timeline for a 10 s job
// with runs of 25 s, then 5 s.
func TestOverlap(t *testing.T) {
	cases := []struct {
		policy periodic.Overlap
		want   []string
	}{
		{periodic.OverlapAllow, []string{
			" 10s start 25", " 20s start 5", " 25s end 5", " 30s start 25", " 35s end 25", " 40s start 5", " 45s end 5"}},
		{periodic.OverlapSkip, []string{
			" 10s start 25", " 20s skip", " 30s skip", " 35s end 25", " 40s start 5", " 45s end 5"}},
		{periodic.OverlapQueue, []string{
			" 10s start 25", " 35s end 25", " 35s start 5", " 40s end 5", " 40s start 25"}},
		{periodic.OverlapBufferOne, []string{
			" 10s start 25", " 30s skip", " 35s end 25", " 35s start 5", " 40s end 5", " 40s start 25"}},
		{periodic.OverlapReplace, []string{
			" 10s start 25", " 20s cancelled 25", " 20s start 5", " 25s end 5", " 30s start 25", " 40s cancelled 25", " 40s start 5", " 45s end 5"}},
	}
	for _, c := range cases {
		t.Run(c.policy.String(), func(t *testing.T) {
			e := newEnv(t)
			job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), e.sleeper(25, 5),
				periodic.WithOverlap(c.policy), periodic.WithLimit(4))
			require.NoError(t, err)
			job.OnRun(func(_ time.Time, f *periodic.Future[int]) {
				if errors.Is(f.Err(), periodic.ErrSkipped) {
					e.printf("skip")
				}
			})
			e.s.Start()
			e.advance(45 * time.Second)
			require.Equal(t, c.want, e.lines())
		})
	}
}

// TestReplaceCancelsOlderFuture checks that OverlapReplace cancels the
// previous run's future.
func TestReplaceCancelsOlderFuture(t *testing.T) {
	e := newEnv(t)
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), e.sleeper(100),
		periodic.WithOverlap(periodic.OverlapReplace))
	require.NoError(t, err)
	e.s.Start()
	e.advance(10 * time.Second)
	first := job.Last()
	e.advance(10 * time.Second)
	require.True(t, first.Cancelled())
	require.ErrorIs(t, first.Err(), context.Canceled)
	require.NotSame(t, first, job.Last())
	require.False(t, job.Last().Cancelled())
}

// TestShutdownCancelsInFlight starts 100 overlapping runs and shuts down
// with an expired context.
func TestShutdownCancelsInFlight(t *testing.T) {
	before := goleak.IgnoreCurrent()
	e := newEnv(t)
	var futures []*periodic.Future[int]
	job, err := periodic.Schedule(e.s, periodic.Every(time.Second), e.sleeper(1000), periodic.StartImmediately())
	require.NoError(t, err)
	job.OnRun(func(_ time.Time, f *periodic.Future[int]) { futures = append(futures, f) })
	e.s.Start()
	e.advance(99 * time.Second)
	require.Len(t, futures, 100)
	require.Equal(t, 100, job.Stats().InFlight)
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	require.ErrorIs(t, e.s.Shutdown(ctx), context.DeadlineExceeded)
	for _, f := range futures {
		require.True(t, f.Cancelled())
	}
	goleak.VerifyNone(t, before) // no goroutine of the scheduler is left
	_, err = periodic.Schedule(e.s, periodic.Every(time.Second), e.sleeper(1))
	require.ErrorIs(t, err, periodic.ErrClosed)
	require.ErrorIs(t, job.RunNow().Err(), periodic.ErrClosed)
}

// TestShutdownWaits checks that Shutdown with time to spare waits for the
// runs, which finish normally.
func TestShutdownWaits(t *testing.T) {
	e := newEnv(t)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Second), func(ctx context.Context) (int, error) {
		return 7, nil
	})
	require.NoError(t, err)
	e.s.Start()
	f := job.RunNow()
	require.NoError(t, e.s.Shutdown(context.Background()))
	v, err := f.Result()
	require.NoError(t, err)
	require.Equal(t, 7, v)
	require.True(t, job.NextRun().IsZero())
}

// TestPanickingJob checks that a panic becomes a *PanicError and the next
// tick still runs.
func TestPanickingJob(t *testing.T) {
	e := newEnv(t, periodic.WithLogger(slog.New(slog.DiscardHandler)))
	n := 0
	job, err := periodic.Schedule(e.s, periodic.Every(time.Second), func(ctx context.Context) (int, error) {
		n++
		if n == 1 {
			panic("boom")
		}
		return n, nil
	})
	require.NoError(t, err)
	e.s.Start()
	e.advance(time.Second)
	var pe *periodic.PanicError
	require.ErrorAs(t, job.Last().Err(), &pe)
	require.Equal(t, "boom", pe.Value)
	require.Contains(t, string(pe.Stack), "TestPanickingJob")
	e.advance(time.Second)
	v, err := job.Last().Result()
	require.NoError(t, err)
	require.Equal(t, 2, v)
}

// TestBadInput checks that bad input is an error naming the value.
func TestBadInput(t *testing.T) {
	ok := func(context.Context) (int, error) { return 0, nil }
	good := periodic.New()
	closed := periodic.New()
	require.NoError(t, closed.Shutdown(context.Background()))
	cases := []struct {
		name  string
		s     *periodic.Scheduler
		trig  periodic.Trigger
		fn    periodic.Func[int]
		opts  []periodic.JobOption
		is    error
		names string
	}{
		{"zero interval", good, periodic.Every(0), ok, nil, periodic.ErrInvalid, "Every(0s)"},
		{"negative interval", good, periodic.Every(-time.Second), ok, nil, periodic.ErrInvalid, "Every(-1s)"},
		{"nil function", good, periodic.Every(time.Second), nil, nil, periodic.ErrInvalid, "nil function"},
		{"nil trigger", good, nil, ok, nil, periodic.ErrInvalid, "nil trigger"},
		{"nil scheduler", nil, periodic.Every(time.Second), ok, nil, periodic.ErrInvalid, "nil scheduler"},
		{"limit 0", good, periodic.Every(time.Second), ok, []periodic.JobOption{periodic.WithLimit(0)}, periodic.ErrInvalid, "WithLimit(0)"},
		{"stop before start", good, periodic.Every(time.Second), ok, []periodic.JobOption{
			periodic.WithStartAt(at(10)), periodic.WithStopAt(at(5))}, periodic.ErrInvalid, "WithStopAt(2026-01-01T00:00:05Z) is before WithStartAt(2026-01-01T00:00:10Z)"},
		{"after shutdown", closed, periodic.Every(time.Second), ok, nil, periodic.ErrClosed, "Schedule"},
		{"empty At", good, periodic.At(), ok, nil, periodic.ErrInvalid, "At()"},
		{"negative timeout", good, periodic.Every(time.Second), ok, []periodic.JobOption{periodic.WithTimeout(-time.Second)}, periodic.ErrInvalid, "WithTimeout(-1s)"},
		{"zero retries", good, periodic.Every(time.Second), ok, []periodic.JobOption{periodic.WithRetry(periodic.Retry{Initial: time.Second})}, periodic.ErrInvalid, "Retries 0"},
		{"negative jitter", good, periodic.Every(time.Second), ok, []periodic.JobOption{periodic.WithJitter(-time.Second)}, periodic.ErrInvalid, "WithJitter(-1s)"},
		{"empty name", good, periodic.Every(time.Second), ok, []periodic.JobOption{periodic.WithName("")}, periodic.ErrInvalid, `WithName("")`},
		{"bad overlap", good, periodic.Every(time.Second), ok, []periodic.JobOption{periodic.WithOverlap(99)}, periodic.ErrInvalid, "Overlap(99)"},
		{"bad buffer", good, periodic.Every(time.Second), ok, []periodic.JobOption{periodic.WithBuffer(0)}, periodic.ErrInvalid, "WithBuffer(0)"},
		{"max concurrency 0", periodic.New(periodic.WithMaxConcurrency(0)), periodic.Every(time.Second), ok, nil, periodic.ErrInvalid, "WithMaxConcurrency(0)"},
		{"nil clock", periodic.New(periodic.WithClock(nil)), periodic.Every(time.Second), ok, nil, periodic.ErrInvalid, "WithClock(nil)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			job, err := periodic.Schedule(c.s, c.trig, c.fn, c.opts...)
			require.Nil(t, job)
			require.ErrorIs(t, err, c.is)
			require.Contains(t, err.Error(), c.names)
		})
	}
	_, err := periodic.Schedule(good, periodic.Every(time.Second), ok, periodic.WithName("x"))
	require.NoError(t, err)
	_, err = periodic.Schedule(good, periodic.Every(time.Second), ok, periodic.WithName("x"))
	require.ErrorIs(t, err, periodic.ErrInvalid)
	require.Contains(t, err.Error(), `WithName("x")`)
	require.NoError(t, good.Shutdown(context.Background()))
}
