package periodic_test

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/periodic-go/periodic"
)

// goroutines records the goroutine each named step ran on.
type goroutines struct {
	mu  sync.Mutex
	ids map[string]uint64
}

// mark records the calling goroutine for step.
func (g *goroutines) mark(step string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ids == nil {
		g.ids = map[string]uint64{}
	}
	g.ids[step] = goroutineID()
}

// of returns the goroutine step ran on.
func (g *goroutines) of(step string) uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.ids[step]
}

// TestOnDoneOnProducerGoroutine checks that the callbacks of a run's
// future, and of a Go task of a run, run on the run's (the task's) own
// goroutine once its work is done, with no goroutine of their own: after
// the run's AfterRun hooks, in order, a callback added while they run
// included, and before the run counts as finished (periodictest has
// waited for them when Advance returns).
func TestOnDoneOnProducerGoroutine(t *testing.T) {
	var g goroutines
	var e *env
	e = newEnv(t, periodic.WithHooks(periodic.Hooks{AfterRun: func(ev periodic.Event) {
		e.printf("AfterRun %s", ev.Job)
	}}))
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		g.mark("run")
		registered := make(chan struct{}) // the task may not settle before its callback is registered
		task := periodic.Go(ctx, func(context.Context) (int, error) {
			g.mark("task")
			<-registered
			return 2, nil
		})
		task.OnDone(func(*periodic.Future[int]) { g.mark("task callback") })
		close(registered)
		_, err := task.Await(ctx)
		e.printf("run")
		return 1, err
	}, periodic.WithName("j"))
	require.NoError(t, err)
	job.OnRun(func(_ time.Time, f *periodic.Future[int]) {
		f.OnDone(func(f *periodic.Future[int]) {
			g.mark("callback")
			v, err := f.Result()
			e.printf("OnDone %d %v", v, err)
			f.OnDone(func(*periodic.Future[int]) {
				g.mark("added callback")
				e.printf("OnDone added while they run")
			})
		})
	})
	e.s.Start()
	e.advance(10 * time.Second)
	require.Equal(t, []string{
		" 10s run",
		" 10s AfterRun j",
		" 10s OnDone 1 <nil>",
		" 10s OnDone added while they run",
	}, e.lines())
	require.Equal(t, g.of("run"), g.of("callback"), "the run's callbacks ran on another goroutine")
	require.Equal(t, g.of("run"), g.of("added callback"), "a callback added while they ran ran on another goroutine")
	require.Equal(t, g.of("task"), g.of("task callback"), "the task's callbacks ran on another goroutine")
	require.NotEqual(t, g.of("run"), g.of("task"))
}

// TestOnDoneRunCallbackHoldsShutdown checks that Shutdown waits for a
// callback of a run's future as for the run: with the callback blocked,
// a Shutdown whose context has ended returns, and Done stays open until
// the callback returns.
func TestOnDoneRunCallbackHoldsShutdown(t *testing.T) {
	e := newEnv(t)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(context.Context) (int, error) { return 1, nil })
	require.NoError(t, err)
	e.s.Start()
	entered, gate := make(chan struct{}), make(chan struct{})
	job.RunNow().OnDone(func(*periodic.Future[int]) {
		close(entered)
		<-gate
	})
	<-entered
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, e.s.Shutdown(ended), context.Canceled)
	select {
	case <-e.s.Done():
		t.Fatal("the scheduler stopped while a callback of a run's future was running")
	default:
	}
	close(gate)
	<-e.s.Done()
}

// TestOnDoneGoexit checks that a callback calling runtime.Goexit is
// logged and that the callbacks after it still run, in order, for a
// promise's future, a run's and a Go task's; the scheduler still shuts
// down (goleak checks nothing is left).
func TestOnDoneGoexit(t *testing.T) {
	for _, tc := range []struct {
		name string
		// settle settles a future on which register has registered the
		// callbacks; it logs to log.
		settle func(t *testing.T, log *slog.Logger, register func(*periodic.Future[int]))
	}{
		{"promise", func(t *testing.T, log *slog.Logger, register func(*periodic.Future[int])) {
			prev := slog.Default()
			slog.SetDefault(log)
			t.Cleanup(func() { slog.SetDefault(prev) })
			p := periodic.NewPromise[int]()
			register(p.Future())
			require.NoError(t, p.Resolve(1))
		}},
		{"run", func(t *testing.T, log *slog.Logger, register func(*periodic.Future[int])) {
			e := newEnv(t, periodic.WithLogger(log))
			job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(context.Context) (int, error) { return 1, nil })
			require.NoError(t, err)
			job.OnRun(func(_ time.Time, f *periodic.Future[int]) { register(f) })
			e.s.Start()
			job.RunNow()
			e.advance(0)
			require.NoError(t, e.s.Shutdown(bounded(t, 10*time.Second)))
		}},
		{"Go task", func(t *testing.T, log *slog.Logger, register func(*periodic.Future[int])) {
			e := newEnv(t, periodic.WithLogger(log))
			job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
				task := periodic.Go(ctx, func(context.Context) (int, error) { return 1, nil })
				register(task)
				return task.Await(ctx)
			})
			require.NoError(t, err)
			e.s.Start()
			job.RunNow()
			e.advance(0)
			require.NoError(t, e.s.Shutdown(bounded(t, 10*time.Second)))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf syncBuffer
			var mu sync.Mutex
			var ran []string
			last := make(chan struct{})
			record := func(s string) {
				mu.Lock()
				defer mu.Unlock()
				ran = append(ran, s)
			}
			tc.settle(t, slog.New(slog.NewTextHandler(&buf, nil)), func(f *periodic.Future[int]) {
				f.OnDone(func(*periodic.Future[int]) { record("before") })
				f.OnDone(func(*periodic.Future[int]) { runtime.Goexit() })
				f.OnDone(func(*periodic.Future[int]) {
					record("after")
					close(last)
				})
			})
			select {
			case <-last:
			case <-bounded(t, 10*time.Second).Done():
				t.Fatal("the callback after the one that called runtime.Goexit did not run")
			}
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, []string{"before", "after"}, ran)
			require.Contains(t, buf.String(), "OnDone callback called runtime.Goexit")
		})
	}
}
