package periodic_test

import (
	"context"
	"errors"
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

// panicTrigger panics on its n-th call of Next.
type panicTrigger struct {
	n     atomic.Int32
	after int32
}

func (p *panicTrigger) Next(t time.Time) time.Time {
	if p.n.Add(1) > p.after {
		panic("trigger broke")
	}
	return t.Add(time.Second)
}

// failingLocker claims as its fn says.
type failingLocker struct {
	claim func() (periodic.Lease, error)
}

func (l failingLocker) Claim(context.Context, string, time.Time) (periodic.Lease, error) {
	return l.claim()
}

type funcLease func() error

func (f funcLease) Release(context.Context) error { return f() }

// Fault 4 (and the panic-isolation table): user code that panics outside
// the job, or breaks its contract, is recovered and reported; the process
// and the other jobs go on.
func TestPanicIsolation(t *testing.T) {
	boom := func(periodic.Event) { panic("hook broke") }
	hooks := func(h periodic.Hooks) []periodic.Option { return []periodic.Option{periodic.WithHooks(h)} }
	locker := func(claim func() (periodic.Lease, error)) []periodic.Option {
		return []periodic.Option{periodic.WithLocker(failingLocker{claim: claim})}
	}
	flaky := func() periodic.Func[int] {
		n := 0
		return func(context.Context) (int, error) {
			if n++; n%2 == 1 {
				return 0, errors.New("flaky")
			}
			return 1, nil
		}
	}
	retry := periodic.WithRetry(periodic.Retry{Retries: 1, Initial: time.Millisecond})
	cases := []struct {
		name     string
		trigger  periodic.Trigger
		opts     []periodic.Option
		fn       periodic.Func[int]
		jobOpts  []periodic.JobOption
		onRun    bool
		onDone   bool
		late     bool   // jump the clock by hand: the ticks misfire
		wantErr  string // the failed run's error, "" when the run succeeds
		wantLog  string
		describe string // Describe's Trigger, when it is looked at
	}{
		{name: "Trigger.Next", trigger: &panicTrigger{after: 2}, wantLog: "trigger panicked"},
		{name: "Trigger.String", trigger: stringPanics{periodic.Every(time.Second)}, describe: "PANIC=String method"},
		{name: "BeforeRun", opts: hooks(periodic.Hooks{BeforeRun: boom}), wantLog: "hook panicked"},
		{name: "AfterRun", opts: hooks(periodic.Hooks{AfterRun: boom}), wantLog: "hook panicked"},
		{name: "OnSkip", opts: hooks(periodic.Hooks{OnSkip: boom}), wantLog: "hook panicked",
			fn:      func(ctx context.Context) (int, error) { return 1, periodic.Sleep(ctx, 1500*time.Millisecond) },
			jobOpts: []periodic.JobOption{periodic.WithOverlap(periodic.OverlapSkip)}},
		{name: "OnMisfire", opts: hooks(periodic.Hooks{OnMisfire: boom}), late: true, wantLog: "hook panicked"},
		{name: "OnRetry", opts: hooks(periodic.Hooks{OnRetry: boom}), fn: flaky(), jobOpts: []periodic.JobOption{retry}, wantLog: "hook panicked"},
		{name: "OnPanic", opts: hooks(periodic.Hooks{OnPanic: boom}), fn: func(context.Context) (int, error) { panic("job broke") },
			wantErr: "job broke", wantLog: "hook panicked"},
		{name: "OnRun", onRun: true, wantLog: "OnRun function panicked"},
		{name: "OnDone", onDone: true, wantLog: "OnDone callback panicked"},
		{name: "Claim panics", opts: locker(func() (periodic.Lease, error) { panic("claim broke") }), wantErr: "claim broke", wantLog: "failed"},
		{name: "Claim nil nil", opts: locker(func() (periodic.Lease, error) { return nil, nil }), wantErr: "no lease", wantLog: "failed"},
		{name: "Release panics", opts: locker(func() (periodic.Lease, error) {
			return funcLease(func() error { panic("release broke") }), nil
		}), wantLog: "Release panicked"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &logRecorder{}
			m := clock.NewMock()
			m.Set(t0)
			s := periodic.New(append([]periodic.Option{periodic.WithClock(m), periodic.WithLogger(slog.New(rec))}, c.opts...)...)
			trig, fn := c.trigger, c.fn
			if trig == nil {
				trig = periodic.Every(time.Second)
			}
			if fn == nil {
				fn = func(context.Context) (int, error) { return 1, nil }
			}
			job, err := periodic.Schedule(s, trig, fn, c.jobOpts...)
			require.NoError(t, err)
			other, err := periodic.Schedule(s, periodic.Every(time.Second), func(context.Context) (int, error) { return 2, nil })
			require.NoError(t, err)
			if c.onRun {
				job.OnRun(func(time.Time, *periodic.Future[int]) { panic("OnRun broke") })
			}
			if c.onDone {
				job.OnRun(func(_ time.Time, f *periodic.Future[int]) {
					f.OnDone(func(*periodic.Future[int]) { panic("OnDone broke") })
				})
			}
			s.Start()
			ctx := bounded(t, 10*time.Second)
			require.NoError(t, periodictest.Advance(ctx, s, m, 3*time.Second))
			want := 3
			if c.late {
				m.Add(5 * time.Second) // by hand: the next ticks are late
				require.NoError(t, periodictest.WaitIdle(ctx, s))
				want = 4 // one run for the coalesced late ticks
			}
			if c.wantErr == "" || c.opts != nil && c.fn == nil { // a broken locker fails every job's runs
				require.Equal(t, want, other.Stats().Runs)
			}
			if c.wantErr == "" {
				require.NoError(t, other.Last().Err())
			} else {
				require.ErrorContains(t, job.Last().Err(), c.wantErr)
			}
			if c.describe != "" {
				require.Contains(t, job.Describe(1).Trigger, c.describe)
			}
			shutNow(s) // runs may sleep on the mock at 3 s
			require.Contains(t, strings.Join(rec.take(), "\n"), c.wantLog)
		})
	}
}

// stringPanics is a trigger whose String panics.
type stringPanics struct{ periodic.Trigger }

func (stringPanics) String() string { panic("String broke") }

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

// Fault 6: cancelling a run waiting for a slot left the job's queued tick
// with no owner; the job never ran again.
func TestFaultCancelSlotWaitKeepsQueueOwned(t *testing.T) {
	e := newEnv(t, quiet, periodic.WithMaxConcurrency(1))
	block, err := periodic.Schedule(e.s, periodic.Every(time.Hour), e.sleeper(30), periodic.WithName("block"))
	require.NoError(t, err)
	var runs atomic.Int32
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		runs.Add(1)
		return 0, periodic.Sleep(ctx, time.Second)
	}, periodic.WithOverlap(periodic.OverlapQueue))
	require.NoError(t, err)
	e.s.Start()
	block.RunNow()
	waiting := job.RunNow()
	e.advance(10 * time.Second) // the 10 s tick queues behind the waiting RunNow
	require.True(t, waiting.Cancel())
	e.advance(80 * time.Second)
	require.GreaterOrEqual(t, runs.Load(), int32(6))
}

// Fault 7: a queued tick refused because a RunNow held its job's slot
// place vanished: no run, no skip.
func TestFaultQueuedTickNotLost(t *testing.T) {
	e := newEnv(t, quiet, periodic.WithMaxConcurrency(1))
	other, err := periodic.Schedule(e.s, periodic.Every(time.Hour), e.sleeper(5), periodic.WithName("other"))
	require.NoError(t, err)
	var ticks []time.Duration
	var mu sync.Mutex
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		mu.Lock()
		ticks = append(ticks, periodic.TickFrom(ctx).Sub(t0))
		mu.Unlock()
		return 0, periodic.Sleep(ctx, 15*time.Second)
	}, periodic.WithOverlap(periodic.OverlapQueue), periodic.WithLimit(2))
	require.NoError(t, err)
	e.s.Start()
	e.advance(21 * time.Second) // tick 10 runs, tick 20 queued
	other.RunNow()              // waits for the slot first
	job.RunNow()                // takes the job's place in the slot queue
	e.advance(60 * time.Second)
	mu.Lock()
	defer mu.Unlock()
	require.Contains(t, ticks, 20*time.Second)
	require.Equal(t, 3, job.Stats().Runs)
}

// Fault 8: Backfill after Remove refused its runs recursively.
func TestFaultBackfillAfterRemove(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Second), func(context.Context) (int, error) { return 1, nil },
		periodic.WithStartAt(t0))
	require.NoError(t, err)
	e.s.Start()
	job.Remove()
	_, err = job.Backfill(context.Background(), t0.Add(-1000*time.Second), t0)
	require.ErrorIs(t, err, periodic.ErrClosed)
	require.Zero(t, job.Stats().Skips)
}

// Fault 9: under WithMaxConcurrency(1), with a live tick waiting for the
// slot, backfilled runs failed as skipped.
func TestFaultBackfillWaitsForSlot(t *testing.T) {
	e := newEnv(t, quiet, periodic.WithMaxConcurrency(1))
	block, err := periodic.Schedule(e.s, periodic.Every(time.Hour), e.sleeper(10), periodic.WithName("block"))
	require.NoError(t, err)
	job, err := periodic.Schedule(e.s, periodic.Every(5*time.Second), func(context.Context) (int, error) { return 1, nil },
		periodic.WithStartAt(t0), periodic.WithLimit(1))
	require.NoError(t, err)
	e.s.Start()
	block.RunNow()
	e.advance(5 * time.Second) // the live tick waits for the slot
	fs, err := job.Backfill(context.Background(), t0.Add(-25*time.Second), t0.Add(-5*time.Second))
	require.NoError(t, err)
	require.Len(t, fs, 5)
	e.advance(10 * time.Second)
	for _, f := range fs {
		require.NoError(t, f.Err())
	}
	require.Zero(t, job.Stats().Skips)
}

// Fault 10: a Backfill whose ctx is already done raced on the run's
// parent watch.
func TestFaultBackfillDoneCtx(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Second), func(ctx context.Context) (int, error) { return 1, ctx.Err() },
		periodic.WithStartAt(t0))
	require.NoError(t, err)
	e.s.Start()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fs, err := job.Backfill(ctx, t0.Add(-5*time.Second), t0.Add(-time.Second))
	require.NoError(t, err)
	e.advance(0)
	for _, f := range fs {
		<-f.Done()
		require.True(t, f.Cancelled())
	}
}

// deadlineLocker records the deadline of the context Claim sees.
type deadlineLocker struct {
	mu sync.Mutex
	dl []time.Time
}

func (l *deadlineLocker) Claim(ctx context.Context, _ string, _ time.Time) (periodic.Lease, error) {
	d, ok := ctx.Deadline()
	if !ok {
		d = time.Time{}
	}
	l.mu.Lock()
	l.dl = append(l.dl, d)
	l.mu.Unlock()
	return funcLease(func() error { return nil }), nil
}

// Fault 11: a run's Deadline changed after its ctx was handed to Claim.
func TestFaultDeadlineFixedBeforeClaim(t *testing.T) {
	l := &deadlineLocker{}
	e := newEnv(t, quiet, periodic.WithLocker(l))
	var seen time.Time
	_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		seen, _ = ctx.Deadline()
		return 1, nil
	}, periodic.WithTimeout(3*time.Second), periodic.WithLimit(1))
	require.NoError(t, err)
	e.s.Start()
	e.advance(10 * time.Second)
	require.Len(t, l.dl, 1)
	require.False(t, l.dl[0].IsZero())
	require.True(t, l.dl[0].Equal(seen))
}

// Fault 13: Pause before Start was lost.
func TestFaultPauseBeforeStart(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Second), func(context.Context) (int, error) { return 1, nil })
	require.NoError(t, err)
	job.Pause()
	e.s.Start()
	e.advance(3 * time.Second)
	require.True(t, job.Paused())
	require.Zero(t, job.Stats().Runs)
	job.Resume()
	e.advance(2 * time.Second)
	require.Equal(t, 2, job.Stats().Runs)
}

// selfish is a trigger whose String calls the scheduler.
type selfish struct {
	periodic.Trigger
	s *periodic.Scheduler
}

func (x selfish) String() string { return "selfish of " + string(rune('0'+len(x.s.Jobs()))) }

// Fault 14: Describe formatted the trigger under the scheduler's lock.
func TestFaultDescribeFormatsOutsideLock(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, selfish{periodic.Every(time.Second), e.s}, func(context.Context) (int, error) { return 1, nil })
	require.NoError(t, err)
	done := make(chan periodic.Description, 1)
	go func() { done <- job.Describe(1) }()
	select {
	case d := <-done:
		require.Equal(t, "selfish of 1", d.Trigger)
	case <-bounded(t, 10*time.Second).Done():
		t.Fatal("Describe deadlocked")
	}
}

// Fault 15: before Start nothing released deadlines: a RunNow that slept
// never woke.
func TestFaultHeapOwnedBeforeStart(t *testing.T) {
	s := periodic.New(quiet)
	job, err := periodic.Schedule(s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
		return 1, periodic.Sleep(ctx, time.Millisecond)
	})
	require.NoError(t, err)
	ctx := bounded(t, 10*time.Second)
	_, err = job.RunNow().Await(ctx)
	require.NoError(t, err)
	require.NoError(t, s.Shutdown(ctx))
}

// Fault 17: OverlapReplace left a run waiting for a slot, which later ran.
func TestFaultReplaceWithdrawsSlotWaiter(t *testing.T) {
	e := newEnv(t, quiet, periodic.WithMaxConcurrency(1))
	block, err := periodic.Schedule(e.s, periodic.Every(time.Hour), e.sleeper(25), periodic.WithName("block"))
	require.NoError(t, err)
	var mu sync.Mutex
	var ran []time.Duration
	_, err = periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		mu.Lock()
		ran = append(ran, periodic.TickFrom(ctx).Sub(t0))
		mu.Unlock()
		return 0, nil
	}, periodic.WithOverlap(periodic.OverlapReplace), periodic.WithLimit(2))
	require.NoError(t, err)
	e.s.Start()
	block.RunNow()
	e.advance(40 * time.Second)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []time.Duration{20 * time.Second}, ran)
}

// Fault 18: a plain goroutine that sleeps on a run's context is detected
// and said, and does not drive the books negative: once it is gone, a
// later run's timeline is exact again.
func TestFaultPlainGoroutineSleepDetected(t *testing.T) {
	rec := &logRecorder{}
	e := newEnv(t, periodic.WithLogger(slog.New(rec)))
	var wg sync.WaitGroup
	misuse, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
		wg.Add(2)
		for range 2 {
			go func() { defer wg.Done(); _ = periodic.Sleep(ctx, time.Second) }()
		}
		return 0, periodic.Sleep(ctx, 2*time.Second)
	})
	require.NoError(t, err)
	var woke []time.Duration
	later, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
		err := periodic.Sleep(ctx, 5*time.Second)
		woke = append(woke, e.s.Now().Sub(t0))
		return 0, err
	})
	require.NoError(t, err)
	e.s.Start()
	misuse.RunNow()
	e.advance(3 * time.Second)
	wg.Wait()
	require.Contains(t, strings.Join(rec.take(), "\n"), "periodic.Go")
	later.RunNow()
	e.advance(10 * time.Second)
	require.Equal(t, []time.Duration{8 * time.Second}, woke)
}

// Fault 19: a run's future settled before the run left the books.
func TestFaultBooksCloseBeforeSettle(t *testing.T) {
	e := newEnv(t, quiet, periodic.WithMaxConcurrency(1))
	job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(context.Context) (int, error) { return 1, nil })
	require.NoError(t, err)
	e.s.Start()
	for i := 1; i <= 200; i++ {
		f := job.RunNow()
		<-f.Done()
		st := job.Stats()
		require.Equal(t, i, st.Runs)
		require.Zero(t, st.InFlight)
	}
}
