package periodic_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
)

// TestShutdownStalled checks that Shutdown with a context that never ends
// fails fast on a driven scheduler whose runs wait for its clock: the
// error wraps ErrStalled and names each blocked run and its wait, and the
// runs are cancelled and waited for.
func TestShutdownStalled(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		helper := periodic.Go(ctx, func(ctx context.Context) (int, error) {
			return 1, periodic.Sleep(ctx, 30*time.Second)
		})
		if _, err := helper.Await(ctx); err != nil {
			return 0, err
		}
		return 0, periodic.Sleep(ctx, time.Minute)
	}, periodic.WithName("sleeper"), periodic.WithLimit(2))
	require.NoError(t, err)
	e.s.Start()
	e.advance(25 * time.Second)
	err = e.s.Shutdown(context.Background())
	require.ErrorIs(t, err, periodic.ErrStalled)
	require.EqualError(t, err, "periodic: stalled: runs wait for a clock that nobody moves (Shutdown at 2026-01-01T00:00:25Z); "+
		"move it with periodictest.Advance before Shutdown: on a driven scheduler Shutdown assumes its caller moves the clock, so it does not wait, whatever its context; 4 blocked: "+
		`job "sleeper" tick 2026-01-01T00:00:10Z: the run in Await or a combinator; `+
		`job "sleeper" tick 2026-01-01T00:00:10Z: a Go task in Sleep until 2026-01-01T00:00:40Z (15s ahead); `+
		`job "sleeper" tick 2026-01-01T00:00:20Z: the run in Await or a combinator; `+
		`job "sleeper" tick 2026-01-01T00:00:20Z: a Go task in Sleep until 2026-01-01T00:00:50Z (25s ahead)`)
	require.True(t, job.Last().Cancelled())
	require.Equal(t, 2, job.Stats().Runs)
}

// TestShutdownNotStalled lists waits that Shutdown must not call stalled:
// a deadline already due (it is released, as WaitIdle would), a run that
// awaits a promise another goroutine resolves, and a scheduler nobody
// drives.
func TestShutdownNotStalled(t *testing.T) {
	t.Run("due now", func(t *testing.T) {
		e := newEnv(t, quiet)
		job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
			return 7, periodic.Sleep(ctx, 5*time.Second)
		}, periodic.WithLimit(1))
		require.NoError(t, err)
		e.s.Start()
		e.advance(10 * time.Second)
		e.m.Add(5 * time.Second) // by hand: due, not yet released
		require.NoError(t, e.s.Shutdown(context.Background()))
		v, err := job.Last().Result()
		require.NoError(t, err)
		require.Equal(t, 7, v)
	})
	t.Run("promise", func(t *testing.T) {
		e := newEnv(t, quiet)
		p := periodic.NewPromise[int]()
		job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
			return p.Future().Await(ctx)
		}, periodic.WithLimit(1))
		require.NoError(t, err)
		e.s.Start()
		e.advance(10 * time.Second)
		done := make(chan error)
		go func() { done <- e.s.Shutdown(context.Background()) }()
		require.NoError(t, p.Resolve(3))
		require.NoError(t, <-done)
		v, err := job.Last().Result()
		require.NoError(t, err)
		require.Equal(t, 3, v)
	})
	t.Run("fast clock", func(t *testing.T) {
		c := periodictest.NewClock(t0)
		s := periodic.New(periodic.WithClock(c), periodic.WithLogger(discard()))
		job, err := periodic.Schedule(s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
			return 0, periodic.Sleep(ctx, time.Second)
		}, periodic.WithName("nap"))
		require.NoError(t, err)
		s.Start()
		f := job.RunNow() // the fast clock is driven from the start
		err = s.Shutdown(context.Background())
		require.ErrorIs(t, err, periodic.ErrStalled)
		require.ErrorContains(t, err, `1 blocked: job "nap" RunNow at 2026-01-01T00:00:00Z: the run in Sleep until 2026-01-01T00:00:01Z (1s ahead)`)
		require.True(t, f.Cancelled())
	})
}

// On a scheduler driven by periodictest, a Shutdown whose runs wait for
// the clock fails at once with ErrStalled, naming them, instead of waiting
// for a clock that only the test moves; the runs are cancelled.
func ExampleErrStalled() {
	ctx := context.Background()
	m := clock.NewMock()
	s := periodic.New(periodic.WithClock(m))
	job, _ := periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		return 0, periodic.Sleep(ctx, time.Minute)
	}, periodic.WithName("nap"), periodic.WithLimit(1))
	s.Start()
	_ = periodictest.Advance(ctx, s, m, 10*time.Second)
	err := s.Shutdown(ctx) // forgot to Advance a minute first
	fmt.Println(errors.Is(err, periodic.ErrStalled))
	fmt.Println(err)
	fmt.Println(job.Last().Cancelled())
	// Output:
	// true
	// periodic: stalled: runs wait for a clock that nobody moves (Shutdown at 1970-01-01T00:00:10Z); move it with periodictest.Advance before Shutdown: on a driven scheduler Shutdown assumes its caller moves the clock, so it does not wait, whatever its context; 1 blocked: job "nap" tick 1970-01-01T00:00:10Z: the run in Sleep until 1970-01-01T00:01:10Z (1m0s ahead)
	// true
}

// TestShutdownStalledWhateverContext checks that the message and the
// semantics agree: on a driven scheduler Shutdown does not wait for a
// context with a deadline either, as nothing but its caller moves the
// clock.
func TestShutdownStalledWhateverContext(t *testing.T) {
	e := newEnv(t, quiet)
	_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		return 0, periodic.Sleep(ctx, time.Minute)
	}, periodic.WithName("nap"), periodic.WithLimit(1))
	require.NoError(t, err)
	e.s.Start()
	e.advance(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	err = e.s.Shutdown(ctx)
	require.ErrorIs(t, err, periodic.ErrStalled)
	require.NoError(t, ctx.Err())
}

// TestShutdownStalledNoLostWakeUp repeats the fast clock case of
// TestShutdownNotStalled: Shutdown comes while the RunNow's run is on its
// way to Sleep, and must see it block. Shutdown looked at the books, then
// took the channel that a change closes: a run that blocked in between
// changed them before the channel existed, and Shutdown waited forever
// (about once in a few hundred runs under -race).
func TestShutdownStalledNoLostWakeUp(t *testing.T) {
	for i := range 500 {
		c := periodictest.NewClock(t0)
		s := periodic.New(periodic.WithClock(c), periodic.WithLogger(discard()))
		job, err := periodic.Schedule(s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
			return 0, periodic.Sleep(ctx, time.Second)
		})
		require.NoError(t, err)
		s.Start()
		f := job.RunNow()
		err = s.Shutdown(bounded(t, 10*time.Second))
		require.ErrorIs(t, err, periodic.ErrStalled, "iteration %d", i)
		require.True(t, f.Cancelled())
	}
}
