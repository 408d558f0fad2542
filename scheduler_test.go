package periodic_test

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
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
	<-e.s.Done() // Shutdown returned at once (#12 item 7); the runs end on their own
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
		{"reserved name", good, periodic.Every(time.Second), ok, []periodic.JobOption{periodic.WithName("job-7")}, periodic.ErrInvalid, `WithName("job-7")`},
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

// TestRandomTimelineRepeats runs a 200 s seed-like scenario with random
// lengths, seeded, including lengths that end exactly on a tick, and
// checks that every run prints the same lines.
func TestRandomTimelineRepeats(t *testing.T) {
	run := func() []string {
		e := newEnv(t)
		rng := rand.New(rand.NewPCG(7, 7))
		_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
			d := 5 + rng.IntN(11) // 10 and 20 end on a later tick
			e.printf("sleep for %d seconds", d)
			if err := periodic.Sleep(ctx, time.Duration(d)*time.Second); err != nil {
				return 0, err
			}
			e.printf("finished (%d sec)", d)
			return d, nil
		}, periodic.StartImmediately())
		require.NoError(t, err)
		e.s.Start()
		e.advance(200 * time.Second)
		return e.lines()
	}
	first := run()
	require.Len(t, first, 21+19)                         // 21 starts (0..200 s); 19 finished by 200 s
	require.Contains(t, first, "110s finished (10 sec)") // ends on a tick
	require.Contains(t, first, "  0s sleep for 15 seconds")
	for i := 0; i < 10; i++ {
		require.Equal(t, first, run())
	}
}

// TestTiesReleaseInRegistrationOrder checks that a tick and a sleeper due
// at the same instant are released in the order they were registered.
func TestTiesReleaseInRegistrationOrder(t *testing.T) {
	e := newEnv(t)
	_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		e.printf("a start")
		if err := periodic.Sleep(ctx, 10*time.Second); err != nil {
			return 0, err
		}
		e.printf("a woke")
		return 0, nil
	}, periodic.WithName("a"), periodic.WithLimit(2))
	require.NoError(t, err)
	_, err = periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		e.printf("b start")
		return 0, nil
	}, periodic.WithName("b"), periodic.WithLimit(2))
	require.NoError(t, err)
	e.s.Start()
	e.advance(30 * time.Second)
	// At 20 s: a's tick (registered at 10 s, when its first tick fired),
	// then a's sleeper (registered when that run called Sleep, which it did
	// before b's tick was released), then b's tick.
	require.Equal(t, []string{
		" 10s a start", " 10s b start",
		" 20s a start", " 20s a woke", " 20s b start",
		" 30s a woke",
	}, e.lines())
}

// TestAnchoredTicks checks that ticks stay at anchor + k*d however long
// the runs take, and TickFrom returns the tick.
func TestAnchoredTicks(t *testing.T) {
	e := newEnv(t)
	var ticks []time.Time
	_, err := periodic.Schedule(e.s, periodic.Every(3*time.Second), func(ctx context.Context) (int, error) {
		ticks = append(ticks, periodic.TickFrom(ctx))
		return 0, periodic.Sleep(ctx, 7*time.Second)
	}, periodic.WithStartAt(at(1)), periodic.WithLimit(4))
	require.NoError(t, err)
	e.s.Start()
	e.advance(30 * time.Second)
	require.Equal(t, []time.Time{at(4), at(7), at(10), at(13)}, ticks)
}

// TestRunNowAndLast checks RunNow's tick, Await, and Last.
func TestRunNowAndLast(t *testing.T) {
	e := newEnv(t)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(ctx context.Context) (time.Time, error) {
		return periodic.TickFrom(ctx), periodic.Sleep(ctx, 2*time.Second)
	}, periodic.WithLimit(1))
	require.NoError(t, err)
	require.Nil(t, job.Last())
	e.s.Start()
	e.advance(5 * time.Second)
	f := job.RunNow()
	require.Same(t, f, job.Last())
	e.advance(2 * time.Second)
	v, err := f.Await(context.Background())
	require.NoError(t, err)
	require.True(t, v.Equal(at(5)), "tick of RunNow is when it was called: %v", v)
	require.True(t, job.NextRun().Equal(at(3600)))
}

// TestAwaitInsideRunIsIdle checks that a run awaiting another run's
// future counts as idle, so Advance can move on.
func TestAwaitInsideRunIsIdle(t *testing.T) {
	e := newEnv(t)
	worker, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
		return 42, periodic.Sleep(ctx, 5*time.Second)
	}, periodic.WithName("worker"))
	require.NoError(t, err)
	_, err = periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		v, err := worker.RunNow().Await(ctx)
		e.printf("got %d %v", v, err)
		return v, err
	}, periodic.WithName("boss"), periodic.WithLimit(1))
	require.NoError(t, err)
	e.s.Start()
	e.advance(20 * time.Second)
	require.Equal(t, []string{" 15s got 42 <nil>"}, e.lines())
}

// TestGoInsideRunIsTracked checks that helpers started with Go are waited
// for by Advance and cancelled by Shutdown.
func TestGoInsideRunIsTracked(t *testing.T) {
	e := newEnv(t)
	var helper *periodic.Future[int]
	_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		helper = periodic.Go(ctx, func(ctx context.Context) (int, error) {
			e.printf("helper start")
			if err := periodic.Sleep(ctx, 3*time.Second); err != nil {
				return 0, err
			}
			e.printf("helper end")
			return 1, nil
		})
		return 0, nil
	}, periodic.WithLimit(1))
	require.NoError(t, err)
	e.s.Start()
	e.advance(11 * time.Second)
	// The run returned at 10 s, which cancelled its context and so the helper.
	require.Equal(t, []string{" 10s helper start"}, e.lines())
	require.True(t, helper.Cancelled())
}

// TestStopAtAndAt checks WithStopAt and the At trigger.
func TestStopAtAndAt(t *testing.T) {
	e := newEnv(t)
	var got []time.Time
	rec := func(ctx context.Context) (int, error) {
		got = append(got, periodic.TickFrom(ctx))
		return 0, nil
	}
	_, err := periodic.Schedule(e.s, periodic.Every(2*time.Second), rec, periodic.WithStopAt(at(6)), periodic.WithName("every"))
	require.NoError(t, err)
	job, err := periodic.Schedule(e.s, periodic.At(at(9), at(7), at(7)), rec, periodic.WithName("at"))
	require.NoError(t, err)
	e.s.Start()
	e.advance(20 * time.Second)
	require.Equal(t, []time.Time{at(2), at(4), at(6), at(7), at(9)}, got)
	require.True(t, job.NextRun().IsZero())
}

// TestRemovePauseResumeAndTags checks job management.
func TestRemovePauseResumeAndTags(t *testing.T) {
	e := newEnv(t)
	count := map[string]int{}
	mk := func(name string) periodic.Func[int] {
		return func(context.Context) (int, error) { count[name]++; return 0, nil }
	}
	a, err := periodic.Schedule(e.s, periodic.Every(time.Second), mk("a"), periodic.WithName("a"), periodic.WithTags("x"))
	require.NoError(t, err)
	_, err = periodic.Schedule(e.s, periodic.Every(time.Second), mk("b"), periodic.WithName("b"), periodic.WithTags("x", "y"))
	require.NoError(t, err)
	c, err := periodic.Schedule(e.s, periodic.Every(time.Second), mk("c"), periodic.WithName("c"))
	require.NoError(t, err)
	e.s.Start()
	e.advance(2 * time.Second)
	c.Pause()
	require.True(t, c.Paused())
	require.True(t, c.NextRun().IsZero())
	e.advance(3*time.Second + 500*time.Millisecond)
	c.Resume()
	require.True(t, c.NextRun().Equal(at(6)))
	require.Equal(t, 2, e.s.RemoveByTag("x"))
	require.True(t, a.NextRun().IsZero())
	e.advance(2 * time.Second)
	require.Equal(t, map[string]int{"a": 5, "b": 5, "c": 4}, count)
	jobs := e.s.Jobs()
	require.Len(t, jobs, 1)
	require.Equal(t, "c", jobs[0].Name)
	require.True(t, jobs[0].NextRun.Equal(at(8)))
	// A removed job's name is free again.
	_, err = periodic.Schedule(e.s, periodic.Every(time.Second), mk("a"), periodic.WithName("a"))
	require.NoError(t, err)
}

// TestSleepOutsideRun checks Sleep's fast paths outside a run.
func TestSleepOutsideRun(t *testing.T) {
	require.NoError(t, periodic.Sleep(context.Background(), 0))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, periodic.Sleep(ctx, time.Hour), context.Canceled)
	require.True(t, periodic.TickFrom(ctx).IsZero())
	require.Zero(t, periodic.Attempt(ctx))
}
