package periodic_test

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
)

// Each test here reproduces one numbered fault of the reliability issue
// (#11): it failed before the ownership model of ARCHITECTURE.md was made
// true, and passes since.

// bounded returns a context that ends after d of real time: the bound of
// a test that would otherwise hang on a fault.
func bounded(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// heapBytes returns the live heap after two collections.
func heapBytes() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// Fault 1: each finished run kept the previous one alive through Previous.
func TestFaultPreviousChainIsCut(t *testing.T) {
	c := periodictest.NewClock(t0)
	s := periodic.New(periodic.WithClock(c), quiet)
	defer shutNow(s)
	_, err := periodic.Schedule(s, periodic.Every(time.Second), func(ctx context.Context) ([]byte, error) {
		_ = periodic.Previous[[]byte](ctx)
		return make([]byte, 64), nil
	})
	require.NoError(t, err)
	s.Start()
	ctx := context.Background()
	require.NoError(t, periodictest.Advance(ctx, s, c, 1000*time.Second)) // warm up
	before := heapBytes()
	const n = 20_000
	require.NoError(t, periodictest.Advance(ctx, s, c, n*time.Second))
	after := heapBytes()
	perRun := (float64(after) - float64(before)) / n
	require.Less(t, perRun, 16.0, "heap grew %.0f B per run", perRun)
}

// Fault 2: Pause and Resume while the dispatcher fired a tick put the
// tick's entry in the heap twice; runs started before their tick.
func TestFaultPauseResumeWhileFiring(t *testing.T) {
	s := periodic.New(quiet)
	var early, runs atomic.Int64
	anchor := time.Now().Add(5 * time.Millisecond)
	var jobs []*periodic.Job[int]
	for range 300 {
		j, err := periodic.Schedule(s, periodic.Every(3*time.Millisecond), func(ctx context.Context) (int, error) {
			runs.Add(1)
			if s.Now().Before(periodic.TickFrom(ctx)) {
				early.Add(1)
			}
			return 0, nil
		}, periodic.WithStartAt(anchor))
		require.NoError(t, err)
		jobs = append(jobs, j)
	}
	s.Start()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; ; i = (i*7 + 13) % len(jobs) {
				select {
				case <-stop:
					return
				default:
				}
				jobs[i].Pause()
				jobs[i].Resume()
			}
		}()
	}
	<-time.After(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	require.NoError(t, s.Shutdown(bounded(t, 10*time.Second)))
	require.Zero(t, early.Load(), "of %d runs", runs.Load())
	require.Positive(t, runs.Load())
}

// Fault 3: Shutdown called on a goroutine the scheduler owns waited for
// that goroutine, forever.
func TestFaultShutdownFromInside(t *testing.T) {
	type place func(s *periodic.Scheduler, shut func()) periodic.Func[int]
	cases := map[string]struct {
		fn    place
		hooks func(shut func()) periodic.Hooks
	}{
		"run": {fn: func(s *periodic.Scheduler, shut func()) periodic.Func[int] {
			return func(context.Context) (int, error) { shut(); return 0, nil }
		}},
		"Go task": {fn: func(s *periodic.Scheduler, shut func()) periodic.Func[int] {
			return func(ctx context.Context) (int, error) {
				return periodic.Go(ctx, func(context.Context) (int, error) { shut(); return 0, nil }).Await(ctx)
			}
		}},
		"OnDone": {fn: func(s *periodic.Scheduler, shut func()) periodic.Func[int] {
			return func(ctx context.Context) (int, error) {
				periodic.Go(ctx, func(context.Context) (int, error) { return 0, nil }).
					OnDone(func(*periodic.Future[int]) { shut() })
				return 0, nil
			}
		}},
		"BeforeRun": {hooks: func(shut func()) periodic.Hooks { return periodic.Hooks{BeforeRun: func(periodic.Event) { shut() }} }},
		"AfterRun":  {hooks: func(shut func()) periodic.Hooks { return periodic.Hooks{AfterRun: func(periodic.Event) { shut() }} }},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			m := clock.NewMock()
			m.Set(t0)
			var s *periodic.Scheduler
			returned := make(chan error, 1)
			shut := func() { returned <- s.Shutdown(context.Background()) }
			opts := []periodic.Option{periodic.WithClock(m), quiet}
			if c.hooks != nil {
				opts = append(opts, periodic.WithHooks(c.hooks(shut)))
			}
			s = periodic.New(opts...)
			fn := func(context.Context) (int, error) { return 0, nil }
			if c.fn != nil {
				fn = c.fn(s, shut)
			}
			_, err := periodic.Schedule(s, periodic.Every(time.Second), fn)
			require.NoError(t, err)
			s.Start()
			ctx := bounded(t, 10*time.Second)
			require.NoError(t, periodictest.Advance(ctx, s, m, time.Second))
			select {
			case err := <-returned:
				require.NoError(t, err)
			case <-ctx.Done():
				t.Fatal("Shutdown from inside did not return")
			}
			require.NoError(t, s.Shutdown(ctx))
		})
	}
}

// Fault 3, OnRun: Shutdown from an OnRun function.
func TestFaultShutdownFromOnRun(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Second), func(context.Context) (int, error) { return 1, nil })
	require.NoError(t, err)
	returned := make(chan error, 1)
	job.OnRun(func(time.Time, *periodic.Future[int]) { returned <- e.s.Shutdown(context.Background()) })
	e.s.Start()
	ctx := bounded(t, 10*time.Second)
	require.NoError(t, periodictest.Advance(ctx, e.s, e.m, time.Second))
	require.NoError(t, <-returned)
	require.NoError(t, e.s.Shutdown(ctx))
}

// Item 7 of #12: when ctx ends, Shutdown cancels the runs and returns
// ctx.Err() at once, even for a run that ignores its context; Done closes
// when the straggler has returned.
func TestShutdownReturnsWhenCtxEnds(t *testing.T) {
	e := newEnv(t, quiet)
	release := make(chan struct{})
	started := make(chan struct{})
	job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(context.Context) (int, error) {
		close(started)
		<-release // ignores its context
		return 7, nil
	})
	require.NoError(t, err)
	e.s.Start()
	f := job.RunNow()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, e.s.Shutdown(ctx), context.Canceled)
	select {
	case <-e.s.Done():
		t.Fatal("Done closed with a run in flight")
	default:
	}
	close(release)
	<-e.s.Done()
	require.True(t, f.Done() != nil)
	v, err := f.Result()
	require.NoError(t, err)
	require.Equal(t, 7, v)
	require.NoError(t, e.s.Shutdown(context.Background()))
}

// funcTrigger is a Trigger made of a function.
type funcTrigger func(time.Time) time.Time

func (f funcTrigger) Next(t time.Time) time.Time { return f(t) }

// Fault 5: small ones.
func TestFaultSmall(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(context.Context) (int, error) { return 1, nil })
	require.NoError(t, err)
	e.s.Start()
	require.Empty(t, job.Describe(-1).NextRuns)
	var noCtx context.Context // nil: the point
	require.ErrorIs(t, periodic.Sleep(noCtx, time.Second), periodic.ErrInvalid)
	_, err = periodic.NewPromise[int]().Future().Await(noCtx)
	require.ErrorIs(t, err, periodic.ErrInvalid)
	_, err = job.Backfill(context.Background(), time.Time{}, time.Time{}.Add(2*time.Hour))
	require.ErrorIs(t, err, periodic.ErrInvalid)
	broken, err := periodic.Schedule(e.s, &panicTrigger{}, func(context.Context) (int, error) { return 1, nil })
	require.NoError(t, err) // scheduled after Start: armed at once, and the panic stays inside
	require.True(t, broken.NextRun().IsZero())
	s2 := periodic.New(quiet)
	_, err = periodic.Schedule(s2, &panicTrigger{}, func(context.Context) (int, error) { return 1, nil })
	require.NoError(t, err)
	s2.Start() // a panicking trigger does not escape Start
	require.NoError(t, s2.Shutdown(context.Background()))
	job.Remove()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); require.ErrorIs(t, job.RunNow().Err(), periodic.ErrClosed) }()
	go func() { defer wg.Done(); _ = job.Name(); _ = job.Stats() }()
	wg.Wait()
}

// Fault 5: a trigger that goes backwards ends its job and says so.
func TestFaultTriggerBackwardsIsReported(t *testing.T) {
	rec := &logRecorder{}
	e := newEnv(t, periodic.WithLogger(slog.New(rec)))
	back := funcTrigger(func(after time.Time) time.Time {
		if after.After(t0) {
			return after.Add(-time.Second)
		}
		return after.Add(time.Second)
	})
	job, err := periodic.Schedule(e.s, back, func(context.Context) (int, error) { return 1, nil })
	require.NoError(t, err)
	e.s.Start()
	e.advance(3 * time.Second)
	require.Equal(t, 1, job.Stats().Runs)
	require.True(t, job.NextRun().IsZero())
	require.Contains(t, strings.Join(rec.take(), "\n"), "backwards")
}

// Fault 3, the releaser: Shutdown from OnMisfire, on the dispatcher and on
// periodictest's releaser, which hold the releaser's token.
func TestFaultShutdownFromReleaser(t *testing.T) {
	for _, driven := range []bool{false, true} {
		t.Run(fmt.Sprint("driven=", driven), func(t *testing.T) {
			ctx := bounded(t, 10*time.Second)
			m := clock.NewMock()
			m.Set(t0)
			var s *periodic.Scheduler
			returned := make(chan error, 1)
			s = periodic.New(periodic.WithClock(m), quiet, periodic.WithHooks(periodic.Hooks{
				OnMisfire: func(periodic.Event) { returned <- s.Shutdown(context.Background()) }}))
			_, err := periodic.Schedule(s, periodic.Every(time.Second), func(context.Context) (int, error) { return 0, nil },
				periodic.WithLimit(2))
			require.NoError(t, err)
			s.Start()
			if driven {
				require.NoError(t, periodictest.Advance(ctx, s, m, 0))
			}
			m.Add(10 * time.Second) // by hand: the first tick is 9 s late
			if driven {
				require.NoError(t, periodictest.WaitIdle(ctx, s))
			}
			select {
			case err := <-returned:
				require.NoError(t, err)
			case <-ctx.Done():
				t.Fatal("Shutdown from OnMisfire did not return")
			}
			select {
			case <-s.Done():
			case <-ctx.Done():
				t.Fatal("the scheduler did not stop")
			}
		})
	}
}
