package periodic_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
)

// TestReplicasShareTicks runs one job on two schedulers that share a
// locker, started 3 s apart on clocks 40 ms apart: every tick runs once,
// on epoch-aligned instants, and the loser's future says ErrClaimed.
func TestReplicasShareTicks(t *testing.T) {
	ctx := context.Background()
	locker := periodictest.NewLocker()
	ran := map[time.Time]int{}
	claimed := 0
	var clocks []*clock.Mock
	var scheds []*periodic.Scheduler
	for i, skew := range []time.Duration{0, 40 * time.Millisecond} {
		m := clock.NewMock()
		m.Set(t0.Add(500*time.Millisecond + skew))
		s := periodic.New(periodic.WithClock(m), periodic.WithLocker(locker), periodic.WithLogger(discard()))
		job, err := periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
			ran[periodic.TickFrom(ctx).UTC()]++
			return i, nil
		}, periodic.WithName("report"))
		require.NoError(t, err)
		job.OnRun(func(_ time.Time, f *periodic.Future[int]) {
			f.OnDone(func(f *periodic.Future[int]) {
				if errors.Is(f.Err(), periodic.ErrClaimed) {
					claimed++
				}
			})
		})
		clocks, scheds = append(clocks, m), append(scheds, s)
		t.Cleanup(func() { _ = s.Shutdown(ctx) })
	}
	scheds[0].Start()
	require.NoError(t, periodictest.Advance(ctx, scheds[0], clocks[0], 3*time.Second))
	clocks[1].Add(3 * time.Second)
	scheds[1].Start()
	for step := 0; step < 6; step++ {
		for i, s := range scheds {
			require.NoError(t, periodictest.Advance(ctx, s, clocks[i], 10*time.Second))
		}
	}
	require.Len(t, ran, 6)
	for k := 1; k <= 6; k++ {
		require.Equal(t, 1, ran[t0.Add(time.Duration(k)*10*time.Second)], "tick %d", k)
	}
	require.Equal(t, 6, locker.Claims())
	require.Equal(t, 6, claimed) // the other replica lost every tick
}

// TestLockerDown checks that a claim that fails is the run's error (a
// store error, counted as such and not as a failure), the job is not
// called, and ticking resumes when the locker is back.
func TestLockerDown(t *testing.T) {
	locker := periodictest.NewLocker()
	e := newEnv(t, periodic.WithLocker(locker))
	calls := 0
	job, err := periodic.Schedule(e.s, periodic.Every(time.Second), func(ctx context.Context) (int, error) {
		calls++
		return calls, nil
	})
	require.NoError(t, err)
	e.s.Start()
	e.advance(time.Second)
	require.Equal(t, 1, calls)
	down := errors.New("connection refused")
	locker.Fail(down)
	e.advance(time.Second)
	require.ErrorIs(t, job.Last().Err(), down)
	require.Equal(t, 1, calls)
	locker.Fail(nil)
	e.advance(time.Second)
	require.Equal(t, 2, calls)
	require.Equal(t, 0, job.Stats().Failures, "a store error is not a failure of the job")
	require.Equal(t, 1, job.Stats().StoreErrors)
	require.NoError(t, job.Last().Err())
}

// TestRealClock runs a few ticks on the real clock, through the
// dispatcher's own timer, and waits for them with Await.
func TestRealClock(t *testing.T) {
	s := periodic.New()
	job, err := periodic.Schedule(s, periodic.Every(time.Millisecond), func(ctx context.Context) (int, error) {
		return 1, periodic.Sleep(ctx, time.Millisecond)
	}, periodic.WithLimit(3), periodic.StartImmediately())
	require.NoError(t, err)
	done := make(chan *periodic.Future[int], 3)
	job.OnRun(func(_ time.Time, f *periodic.Future[int]) { done <- f })
	s.Start()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := 0; i < 3; i++ {
		v, err := (<-done).Await(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, v)
	}
	require.NoError(t, s.Shutdown(ctx))
	require.NotNil(t, s.Clock())
}
