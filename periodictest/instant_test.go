package periodictest_test

import (
	"context"
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
