package periodic_test

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// On the real clock the dispatcher is the callback of a timer, a new
// goroutine each time it fires, and the last run a dispatch starts runs
// on that goroutine (dispatch.go). These tests run on the real clock, with
// deadlines due at once: they wait for events, never for time, and their
// contexts are safety nets, not measures.

// TestRealClockShutdownRacesTheTimer shuts schedulers down while their
// timer's callback may be on its way: Done must close exactly once, after
// every callback has looked (goleak, in TestMain, finds any left).
func TestRealClockShutdownRacesTheTimer(t *testing.T) {
	for i := range 300 {
		s := periodic.New(quiet)
		ran := make(chan struct{}, 1)
		// Three jobs every 100 µs to 2.1 ms: the timer is always armed for
		// the next tick, which fires as Shutdown comes, or just before, or
		// just after.
		for k := range 3 {
			every := time.Duration((k+1)*(i%7+1)) * 100 * time.Microsecond
			_, err := periodic.Schedule(s, periodic.Every(every), func(context.Context) (int, error) {
				select {
				case ran <- struct{}{}:
				default:
				}
				return 0, nil
			})
			require.NoError(t, err)
		}
		s.Start()
		ctx := bounded(t, 10*time.Second)
		if i%2 == 1 { // shut down after the first run, or before any
			select {
			case <-ran:
			case <-ctx.Done():
				t.Fatalf("iteration %d: no run", i)
			}
		}
		require.NoError(t, s.Shutdown(ctx), "iteration %d", i)
		select {
		case <-s.Done():
		default:
			t.Fatalf("iteration %d: Shutdown returned nil and Done is open", i)
		}
	}
}

// TestRealClockRunDoesNotHoldTheDispatcher checks that a run executed on
// a dispatch's goroutine does not keep other deadlines waiting: while the
// first job's run blocks, a job scheduled then runs, and unblocks it.
func TestRealClockRunDoesNotHoldTheDispatcher(t *testing.T) {
	s := periodic.New(quiet)
	gate := make(chan struct{})
	started := make(chan struct{})
	_, err := periodic.Schedule(s, periodic.At(s.Now().Add(time.Millisecond)), func(context.Context) (int, error) {
		close(started)
		<-gate
		return 0, nil
	})
	require.NoError(t, err)
	s.Start()
	ctx := bounded(t, 10*time.Second)
	select {
	case <-started:
	case <-ctx.Done():
		t.Fatal("the first run never started")
	}
	later, err := periodic.Schedule(s, periodic.At(s.Now().Add(time.Millisecond)), func(context.Context) (int, error) {
		close(gate)
		return 1, nil
	})
	require.NoError(t, err)
	select {
	case <-gate:
	case <-ctx.Done():
		t.Fatal("a run held the dispatcher: the later job never ran")
	}
	v, err := later.Last().Await(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, v)
	require.NoError(t, s.Shutdown(ctx))
}

// TestRealClockGoexit checks runtime.Goexit on a dispatch's goroutine on
// the real clock, from a trigger's Next (the dispatch itself) and from a
// job (the run the dispatch executes): the other job goes on ticking and
// Shutdown completes.
func TestRealClockGoexit(t *testing.T) {
	for _, where := range []string{"trigger", "job"} {
		t.Run(where, func(t *testing.T) {
			var logMu sync.Mutex
			var logs bytes.Buffer
			s := periodic.New(periodic.WithLogger(slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, nil))))
			var mu sync.Mutex
			calls := 0
			tr := periodic.Trigger(periodic.Every(time.Millisecond))
			fn := func(context.Context) (int, error) { return 0, nil }
			exited := make(chan struct{}, 1)
			if where == "trigger" {
				tr = nowTrigger{goexitTrigger{&mu, &calls}}
			} else {
				fn = func(context.Context) (int, error) {
					select {
					case exited <- struct{}{}:
					default:
					}
					runtime.Goexit()
					return 0, nil
				}
			}
			_, err := periodic.Schedule(s, tr, fn, periodic.WithName("broken"))
			require.NoError(t, err)
			ran := make(chan struct{}, 1)
			_, err = periodic.Schedule(s, periodic.Every(time.Millisecond), func(context.Context) (int, error) {
				select {
				case ran <- struct{}{}:
				default:
				}
				return 0, nil
			}, periodic.WithName("other"))
			require.NoError(t, err)
			s.Start()
			ctx := bounded(t, 10*time.Second)
			for range 5 {
				select {
				case <-ran:
				case <-ctx.Done():
					t.Fatal("the other job stopped ticking")
				}
				if where == "job" {
					select {
					case <-exited:
					case <-ctx.Done():
						t.Fatal("the job that calls Goexit stopped ticking")
					}
				}
			}
			require.NoError(t, s.Shutdown(ctx))
			if where == "trigger" {
				require.Equal(t, 2, calls, "Next is not asked again after Goexit")
				logMu.Lock()
				require.Contains(t, logs.String(), "runtime.Goexit on the dispatcher")
				logMu.Unlock()
			}
		})
	}
}

// nowTrigger is a goexitTrigger whose ticks are a millisecond apart, so
// that its second Next comes on the real clock's dispatch.
type nowTrigger struct{ g goexitTrigger }

func (n nowTrigger) Next(after time.Time) time.Time {
	_ = n.g.Next(after)
	return after.Add(time.Millisecond)
}

// TestRealClockShutdownFromTrigger checks that Shutdown called from a
// trigger's Next on a dispatch's goroutine returns nil at once, as from
// any goroutine the scheduler owns, and that Done closes after it.
func TestRealClockShutdownFromTrigger(t *testing.T) {
	var s *periodic.Scheduler
	returned := make(chan error, 1)
	var once sync.Once
	started := make(chan struct{}) // closed once Start has returned: later Nexts come from a dispatch
	tr := funcTrigger(func(after time.Time) time.Time {
		select {
		case <-started:
			once.Do(func() { returned <- s.Shutdown(context.Background()) })
		default:
		}
		return after.Add(time.Millisecond)
	})
	s = periodic.New(quiet)
	_, err := periodic.Schedule(s, tr, func(context.Context) (int, error) { return 0, nil })
	require.NoError(t, err)
	s.Start()
	close(started)
	ctx := bounded(t, 10*time.Second)
	select {
	case err := <-returned:
		require.NoError(t, err)
	case <-ctx.Done():
		t.Fatal("Shutdown from the trigger did not return")
	}
	select {
	case <-s.Done():
	case <-ctx.Done():
		t.Fatal("Done never closed")
	}
}

// TestRealClockKeptRunDoesNotWaitForUserCode: 65 jobs due at one instant,
// more than one group of the releaser. The run of the 64th, admitted with
// the first group, is one a dispatch could keep to execute itself; the
// 65th's trigger then blocks in Next until that run has started. Were the
// kept run left waiting for the rest of the batch, it would wait for that
// trigger, and the trigger for it.
func TestRealClockKeptRunDoesNotWaitForUserCode(t *testing.T) {
	s := periodic.New(quiet)
	at := s.Now().Add(20 * time.Millisecond)
	started := make(chan struct{})
	ctx := bounded(t, 10*time.Second)
	var stuck atomic.Bool
	for k := range 65 {
		tr := periodic.Trigger(periodic.At(at))
		if k == 64 {
			var calls atomic.Int32
			tr = funcTrigger(func(after time.Time) time.Time {
				if calls.Add(1) == 1 {
					return at
				}
				select { // the tick after at, asked by the releaser
				case <-started:
				case <-ctx.Done():
					stuck.Store(true)
				}
				return after.Add(time.Hour)
			})
		}
		_, err := periodic.Schedule(s, tr, func(context.Context) (int, error) {
			if k == 63 {
				close(started)
			}
			return 0, nil
		})
		require.NoError(t, err)
	}
	s.Start()
	select {
	case <-started:
	case <-ctx.Done():
		t.Fatal("the 64th run never started")
	}
	require.NoError(t, s.Shutdown(ctx))
	require.False(t, stuck.Load(), "an admitted run waited for another job's trigger")
}
