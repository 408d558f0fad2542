package periodictest_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
)

// instantRuns runs body as the one run of a job, on a fresh scheduler on
// the clock mk makes, advances 10 s, and returns the lines body logged,
// each time over reps repetitions.
func instantRuns(t *testing.T, reps int, mk func() periodictest.Settable, body func(ctx context.Context, c clock.Clock, add func(string)) error) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for range reps {
		ctx := context.Background()
		c := mk()
		s := periodic.New(periodic.WithClock(c))
		var mu sync.Mutex
		var lines []string
		add := func(line string) {
			mu.Lock()
			defer mu.Unlock()
			lines = append(lines, line)
		}
		_, err := periodic.Schedule(s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
			return 0, body(ctx, s.Clock(), add)
		}, periodic.StartImmediately(), periodic.WithLimit(1))
		require.NoError(t, err)
		s.Start()
		require.NoError(t, periodictest.Advance(ctx, s, c, 10*time.Second))
		require.NoError(t, s.Shutdown(ctx))
		mu.Lock()
		seen[strings.Join(lines, " ")]++
		mu.Unlock()
	}
	return seen
}

// awaitCtx returns a Go task that waits for ctx to end in periodic.Sleep
// and logs name.
func awaitCtx(run, ctx context.Context, cancel context.CancelFunc, name string, add func(string)) *periodic.Future[int] {
	return periodic.Go(run, func(context.Context) (int, error) {
		defer cancel()
		err := periodic.Sleep(ctx, time.Hour)
		add(name)
		return 0, err
	})
}

// TestClockTimersBeforeDeadlines checks that, at one instant, the timers
// made through a Clock fire before the scheduler's deadlines, as on
// *clock.Mock (which fires its timers as it moves, before the scheduler
// sees the new time, though its AfterFunc goroutines race): a run makes
// three 2 s contexts in order and a task sleeping 2 s.
func TestClockTimersBeforeDeadlines(t *testing.T) {
	mk := func() periodictest.Settable { return periodictest.NewClock(start) }
	seen := instantRuns(t, 10, mk, func(ctx context.Context, c clock.Clock, add func(string)) error {
		var fs []*periodic.Future[int]
		for _, name := range []string{"ctx0", "ctx1", "ctx2"} {
			c2, cancel := c.WithTimeout(ctx, 2*time.Second)
			fs = append(fs, awaitCtx(ctx, c2, cancel, name, add))
		}
		fs = append(fs, periodic.Go(ctx, func(ctx context.Context) (int, error) {
			err := periodic.Sleep(ctx, 2*time.Second)
			add("sleep")
			return 0, err
		}))
		_, err := periodic.AllSettled(fs...).Await(ctx)
		return err
	})
	require.Equal(t, map[string]int{"ctx0 ctx1 ctx2 sleep": 10}, seen)
}

// TestClockContextsOfSiblings checks that contexts made through a Clock
// by sibling Go tasks, which make them in whatever order the goroutines
// run, fire in the order of the tasks: a WithTimeout has a place in the
// order tree, as a Sleep does. (*clock.Mock leaves this to a race.)
func TestClockContextsOfSiblings(t *testing.T) {
	mk := func() periodictest.Settable { return periodictest.NewClock(start) }
	seen := instantRuns(t, 20, mk, func(ctx context.Context, c clock.Clock, add func(string)) error {
		var fs []*periodic.Future[int]
		for _, name := range []string{"ctx0", "ctx1", "ctx2", "ctx3"} {
			fs = append(fs, periodic.Go(ctx, func(ctx context.Context) (int, error) {
				c2, cancel := c.WithTimeout(ctx, 2*time.Second)
				_, _ = awaitCtx(ctx, c2, cancel, name, add).Await(ctx)
				return 0, nil
			}))
		}
		_, err := periodic.AllSettled(fs...).Await(ctx)
		return err
	})
	require.Equal(t, map[string]int{"ctx0 ctx1 ctx2 ctx3": 20}, seen)
}

// TestClockRunWokenByTimer checks the documented reason to prefer a Clock
// when a run waits for a timer made through the clock: the run, woken by
// its context's deadline at 5 s, sleeps 1 s from there and wakes at 6 s.
// (A *clock.Mock fires the deadline inside its move to the next step, 10 s
// here, and the run's Sleep counts from wherever the mock stands when the
// run gets to it: 5 s or 10 s, as the goroutines happen to run.)
func TestClockRunWokenByTimer(t *testing.T) {
	mk := func() periodictest.Settable { return periodictest.NewClock(start) }
	seen := instantRuns(t, 3, mk, func(ctx context.Context, c clock.Clock, add func(string)) error {
		c2, cancel := c.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		err := periodic.Sleep(c2, time.Hour)
		add(fmt.Sprintf("%v at %v", err, c.Since(start)))
		if err := periodic.Sleep(ctx, time.Second); err != nil {
			return err
		}
		add(fmt.Sprintf("woke at %v", c.Since(start)))
		return nil
	})
	require.Equal(t, map[string]int{"context deadline exceeded at 5s woke at 6s": 3}, seen)
}
