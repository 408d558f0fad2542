package periodic_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
)

// The tests here keep the ownership model of ARCHITECTURE.md true: a
// leak test, a churn test, and a re-entrancy table. The panic-isolation
// table is TestPanicIsolation in faults_test.go.

// TestLeakBoundedPerRun runs jobs with retries, history, OnRun and OnDone
// readers and Previous on the fast clock, and bounds the heap each run
// leaves behind once the books have settled: finished runs must become
// garbage.
func TestLeakBoundedPerRun(t *testing.T) {
	c := periodictest.NewClock(t0)
	s := periodic.New(periodic.WithClock(c), quiet)
	defer shutNow(s)
	var read atomic.Int64
	for i := range 4 {
		attempt := 0
		job, err := periodic.Schedule(s, periodic.Every(time.Second), func(ctx context.Context) ([]byte, error) {
			if p := periodic.Previous[[]byte](ctx); p != nil {
				_ = p.Err()
			}
			attempt++
			if attempt%2 == 1 {
				return nil, errors.New("flaky") // retried once
			}
			return make([]byte, 128), periodic.Sleep(ctx, 100*time.Millisecond)
		}, periodic.WithName(fmt.Sprintf("leak-%d", i)), periodic.WithHistory(16),
			periodic.WithRetry(periodic.Retry{Retries: 1, Initial: 10 * time.Millisecond}))
		require.NoError(t, err)
		job.OnRun(func(_ time.Time, f *periodic.Future[[]byte]) {
			f.OnDone(func(f *periodic.Future[[]byte]) {
				if v, _ := f.Result(); v != nil {
					read.Add(1)
				}
			})
		})
	}
	s.Start()
	ctx := context.Background()
	require.NoError(t, periodictest.Advance(ctx, s, c, 500*time.Second)) // warm up: history full
	before := heapBytes()
	const seconds = 5000
	require.NoError(t, periodictest.Advance(ctx, s, c, seconds*time.Second))
	after := heapBytes()
	runs := 4 * seconds
	perRun := (float64(after) - float64(before)) / float64(runs)
	t.Logf("heap: %.2f B per run over %d runs", perRun, runs)
	require.Less(t, perRun, 16.0, "heap grew %.1f B per run over %d runs", perRun, runs)
	require.Greater(t, read.Load(), int64(runs))
}

// shutNow shuts s down cancelling its runs, and waits until they are gone.
func shutNow(s *periodic.Scheduler) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = s.Shutdown(ctx)
	<-s.Done()
}

// churnJob records what one job of the churn test did.
type churnJob struct {
	job     *periodic.Job[int]
	mu      sync.Mutex
	paused  [][2]time.Time // windows between a Pause that returned and a Resume about to be called
	removed time.Time      // when Remove returned; zero while scheduled
	ticks   []time.Time    // ticks of the runs that started, RunNow and Backfill excluded
}

// TestChurn calls the control methods from several goroutines while runs
// are in flight on the real clock, for a bounded time, and checks the
// invariants: no run starts before its tick, no tick runs inside a pause
// or after Remove, Shutdown returns, and every future settles.
func TestChurn(t *testing.T) {
	s := periodic.New(quiet, periodic.WithMaxConcurrency(64))
	anchor := s.Now().Add(2 * time.Millisecond)
	var early atomic.Int64
	var futMu sync.Mutex
	var futures []*periodic.Future[int]
	keep := func(f *periodic.Future[int]) {
		futMu.Lock()
		futures = append(futures, f)
		futMu.Unlock()
	}
	schedule := func(tag string, o periodic.Overlap, checked bool) *churnJob {
		cj := &churnJob{}
		job, err := periodic.Schedule(s, periodic.Every(3*time.Millisecond), func(ctx context.Context) (int, error) {
			tick := periodic.TickFrom(ctx)
			if s.Now().Before(tick) {
				early.Add(1)
			}
			if checked {
				cj.mu.Lock()
				cj.ticks = append(cj.ticks, tick)
				cj.mu.Unlock()
			}
			return 0, periodic.Sleep(ctx, time.Duration(rand.IntN(4))*time.Millisecond)
		}, periodic.WithStartAt(anchor), periodic.WithTags(tag), periodic.WithOverlap(o))
		require.NoError(t, err)
		job.OnRun(func(_ time.Time, f *periodic.Future[int]) { keep(f) })
		cj.job = job
		return cj
	}
	var paused, direct []*churnJob // paused: Pause/Resume, Remove; direct: RunNow, Cancel, Backfill
	overlaps := []periodic.Overlap{periodic.OverlapAllow, periodic.OverlapSkip, periodic.OverlapQueue, periodic.OverlapReplace}
	for i := range 24 {
		paused = append(paused, schedule("paused", overlaps[i%4], true))
		direct = append(direct, schedule("direct", overlaps[i%4], false))
	}
	s.Start()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var removedMu sync.Mutex
	var removed []*churnJob
	loop := func(step func(rng *rand.Rand)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
			for {
				select {
				case <-stop:
					return
				default:
					step(rng)
				}
			}
		}()
	}
	for range 2 {
		loop(func(rng *rand.Rand) { // Pause, Resume
			cj := paused[rng.IntN(len(paused))]
			cj.mu.Lock() // one pauser per job at a time
			defer cj.mu.Unlock()
			cj.job.Pause()
			from := s.Now()
			time.Sleep(time.Duration(rng.IntN(3)) * time.Millisecond)
			cj.paused = append(cj.paused, [2]time.Time{from, s.Now()})
			cj.job.Resume()
		})
	}
	loop(func(rng *rand.Rand) { // RunNow, Cancel
		f := direct[rng.IntN(len(direct))].job.RunNow()
		keep(f)
		if rng.IntN(2) == 0 {
			f.Cancel()
		}
		time.Sleep(time.Millisecond)
	})
	loop(func(rng *rand.Rand) { // Backfill, its ctx cancelled at random
		cj := direct[rng.IntN(len(direct))]
		ctx, cancel := context.WithCancel(context.Background())
		now := s.Now()
		fs, err := cj.job.Backfill(ctx, now.Add(-30*time.Millisecond), now.Add(-time.Millisecond))
		if err == nil {
			for _, f := range fs {
				keep(f)
			}
		}
		time.Sleep(time.Duration(rng.IntN(5)) * time.Millisecond)
		cancel()
	})
	loop(func(rng *rand.Rand) { // Schedule, Remove, RemoveByTag
		cj := schedule("temp", overlaps[rng.IntN(4)], true)
		time.Sleep(time.Duration(rng.IntN(10)) * time.Millisecond)
		if rng.IntN(2) == 0 {
			cj.job.Remove()
		} else {
			s.RemoveByTag("temp")
		}
		cj.mu.Lock()
		cj.removed = s.Now()
		cj.mu.Unlock()
		removedMu.Lock()
		removed = append(removed, cj)
		removedMu.Unlock()
	})
	loop(func(rng *rand.Rand) { // Describe, Jobs
		_ = paused[rng.IntN(len(paused))].job.Describe(3)
		_ = s.Jobs()
		time.Sleep(time.Millisecond)
	})
	<-time.After(400 * time.Millisecond) // the churn's bound, not a timing assertion
	close(stop)
	wg.Wait()
	ctx := bounded(t, 20*time.Second)
	require.NoError(t, s.Shutdown(ctx))
	require.Zero(t, early.Load(), "runs started before their tick")
	for _, cj := range append(paused, removed...) {
		for _, tick := range cj.ticks {
			for _, w := range cj.paused {
				require.False(t, tick.After(w[0]) && tick.Before(w[1]), "tick %v ran inside the pause %v", tick, w)
			}
			require.False(t, !cj.removed.IsZero() && tick.After(cj.removed), "tick %v ran after Remove at %v", tick, cj.removed)
		}
	}
	futMu.Lock()
	defer futMu.Unlock()
	require.NotEmpty(t, futures)
	for _, f := range futures {
		select {
		case <-f.Done():
		default:
			t.Fatal("a future is still pending after Shutdown")
		}
	}
}

// TestReentrancy calls every public method of the scheduler and its jobs
// from each place where the scheduler runs user code: a run, an OnDone
// callback, OnRun, and the hooks. Every call must return (bounded by a
// context), and the scheduler must still shut down.
func TestReentrancy(t *testing.T) {
	places := []string{"run", "OnDone", "OnRun", "BeforeRun", "AfterRun", "OnSkip"}
	methods := map[string]func(ctx context.Context, s *periodic.Scheduler, j, other *periodic.Job[int]) error{
		"Now": func(_ context.Context, s *periodic.Scheduler, _, _ *periodic.Job[int]) error { _ = s.Now(); return nil },
		"Jobs": func(_ context.Context, s *periodic.Scheduler, _, _ *periodic.Job[int]) error {
			_ = s.Jobs()
			return nil
		},
		"Start": func(_ context.Context, s *periodic.Scheduler, _, _ *periodic.Job[int]) error { s.Start(); return nil },
		"WaitIdle": func(ctx context.Context, s *periodic.Scheduler, _, _ *periodic.Job[int]) error {
			_ = s.WaitIdle(ctx)
			return nil
		},
		"Shutdown": func(ctx context.Context, s *periodic.Scheduler, _, _ *periodic.Job[int]) error {
			return s.Shutdown(ctx)
		},
		"RemoveByTag": func(_ context.Context, s *periodic.Scheduler, _, _ *periodic.Job[int]) error {
			s.RemoveByTag("t")
			return nil
		},
		"Schedule": func(_ context.Context, s *periodic.Scheduler, _, _ *periodic.Job[int]) error {
			_, err := periodic.Schedule(s, periodic.Every(time.Hour), func(context.Context) (int, error) { return 0, nil })
			if errors.Is(err, periodic.ErrClosed) {
				return nil
			}
			return err
		},
		"RunNow": func(_ context.Context, _ *periodic.Scheduler, j, _ *periodic.Job[int]) error { j.RunNow(); return nil },
		"Remove": func(_ context.Context, _ *periodic.Scheduler, j, _ *periodic.Job[int]) error { j.Remove(); return nil },
		"Pause":  func(_ context.Context, _ *periodic.Scheduler, j, _ *periodic.Job[int]) error { j.Pause(); return nil },
		"Resume": func(_ context.Context, _ *periodic.Scheduler, j, _ *periodic.Job[int]) error { j.Resume(); return nil },
		"PauseBoth": func(_ context.Context, _ *periodic.Scheduler, j, _ *periodic.Job[int]) error {
			j.Pause()
			j.Resume()
			return nil
		},
		"Describe": func(_ context.Context, _ *periodic.Scheduler, j, _ *periodic.Job[int]) error {
			_ = j.Describe(3)
			return nil
		},
		"Stats": func(_ context.Context, _ *periodic.Scheduler, j, _ *periodic.Job[int]) error {
			_ = j.Stats()
			return nil
		},
		"NextRun": func(_ context.Context, _ *periodic.Scheduler, j, _ *periodic.Job[int]) error {
			_ = j.NextRun()
			return nil
		},
		"Last": func(_ context.Context, _ *periodic.Scheduler, j, _ *periodic.Job[int]) error {
			j.Last().Cancel()
			return nil
		},
		"OnRun": func(_ context.Context, _ *periodic.Scheduler, j, _ *periodic.Job[int]) error {
			j.OnRun(func(time.Time, *periodic.Future[int]) {})()
			return nil
		},
		"Name": func(_ context.Context, _ *periodic.Scheduler, j, _ *periodic.Job[int]) error {
			_ = j.Name()
			return nil
		},
		"Paused": func(_ context.Context, _ *periodic.Scheduler, j, _ *periodic.Job[int]) error {
			_ = j.Paused()
			return nil
		},
		"AwaitOther": func(ctx context.Context, _ *periodic.Scheduler, _, o *periodic.Job[int]) error {
			_, err := o.RunNow().Await(ctx)
			return err
		},
		"Backfill": func(ctx context.Context, s *periodic.Scheduler, j, _ *periodic.Job[int]) error {
			_, err := j.Backfill(ctx, t0.Add(-3*time.Second), t0)
			if errors.Is(err, periodic.ErrClosed) {
				return nil
			}
			return err
		},
	}
	for _, place := range places {
		for name, method := range methods {
			t.Run(place+"/"+name, func(t *testing.T) {
				ctx := bounded(t, 20*time.Second)
				m := clock.NewMock()
				m.Set(t0)
				var s *periodic.Scheduler
				var job, other *periodic.Job[int]
				var once sync.Once
				returned := make(chan error, 1)
				at := func(here string) {
					if here == place {
						once.Do(func() { returned <- method(ctx, s, job, other) })
					}
				}
				hook := func(kind string) func(periodic.Event) {
					return func(e periodic.Event) {
						if e.Job == "j" {
							at(kind)
						}
					}
				}
				s = periodic.New(periodic.WithClock(m), quiet, periodic.WithHooks(periodic.Hooks{
					BeforeRun: hook("BeforeRun"), AfterRun: hook("AfterRun"), OnSkip: hook("OnSkip")}))
				var err error
				job, err = periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
					at("run")
					return 0, periodic.Sleep(ctx, 15*time.Second)
				}, periodic.WithName("j"), periodic.WithTags("t"), periodic.WithOverlap(periodic.OverlapSkip), periodic.WithStartAt(t0))
				require.NoError(t, err)
				other, err = periodic.Schedule(s, periodic.Every(time.Hour), func(context.Context) (int, error) { return 1, nil })
				require.NoError(t, err)
				job.OnRun(func(_ time.Time, f *periodic.Future[int]) {
					at("OnRun")
					f.OnDone(func(*periodic.Future[int]) { at("OnDone") })
				})
				s.Start()
				require.NoError(t, periodictest.Advance(ctx, s, m, 30*time.Second))
				select {
				case err := <-returned:
					require.NoError(t, err)
				case <-ctx.Done():
					t.Fatal("the call did not return")
				}
				shutNow(s) // the run of tick 30 s sleeps on the mock: cancel it
			})
		}
	}
}

// TestNoTokenAfterShutdown checks that no goroutine of the scheduler is
// started once Shutdown has completed: Go with the context of a run that
// has returned fails with ErrClosed, and its function never runs.
func TestNoTokenAfterShutdown(t *testing.T) {
	e := newEnv(t, quiet)
	var runCtx context.Context
	job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
		runCtx = ctx
		return 0, nil
	})
	require.NoError(t, err)
	e.s.Start()
	_, err = job.RunNow().Await(context.Background())
	require.NoError(t, err)
	require.NoError(t, e.s.Shutdown(context.Background()))
	<-e.s.Done()
	ran := false
	f := periodic.Go(runCtx, func(context.Context) (int, error) { ran = true; return 0, nil })
	require.ErrorIs(t, f.Err(), periodic.ErrClosed)
	require.False(t, ran)
}

// TestBackfillWatcherRemoved checks that a Backfill whose context never
// ends stops watching it once its runs are done: otherwise the watcher's
// token would keep Shutdown waiting.
func TestBackfillWatcherRemoved(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Second), func(context.Context) (int, error) { return 1, nil },
		periodic.WithStartAt(t0))
	require.NoError(t, err)
	e.s.Start()
	ctx, cancel := context.WithCancel(context.Background()) // ends only after Shutdown
	defer cancel()
	fs, err := job.Backfill(ctx, t0.Add(-3*time.Second), t0.Add(-time.Second))
	require.NoError(t, err)
	e.advance(0)
	for _, f := range fs {
		require.NoError(t, f.Err())
	}
	require.NoError(t, e.s.Shutdown(bounded(t, 10*time.Second)))
}
