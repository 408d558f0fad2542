package periodictest_test

import (
	"context"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// TestClockAdvancesADay runs a day of a once-a-second job on the fast
// clock: 86,400 runs, each at its exact tick.
func TestClockAdvancesADay(t *testing.T) {
	ctx := context.Background()
	c := periodictest.NewClock(start)
	s := periodic.New(periodic.WithClock(c))
	var runs int
	var last time.Time
	_, err := periodic.Schedule(s, periodic.Every(time.Second), func(ctx context.Context) (int, error) {
		runs++
		last = periodic.TickFrom(ctx)
		require.True(t, c.Now().Equal(last))
		return runs, nil
	})
	require.NoError(t, err)
	s.Start()
	require.NoError(t, periodictest.Advance(ctx, s, c, 24*time.Hour))
	require.Equal(t, 86_400, runs)
	require.True(t, last.Equal(start.Add(24*time.Hour)))
	require.True(t, c.Now().Equal(start.Add(24*time.Hour)))
	require.NoError(t, s.Shutdown(ctx))
}

// TestClockTimersFollow checks that timers made through the fast clock
// fire when Advance passes them.
func TestClockTimersFollow(t *testing.T) {
	c := periodictest.NewClock(start)
	timer := c.Timer(90 * time.Second)
	require.Equal(t, time.Minute, c.Until(start.Add(time.Minute)))
	c.Add(time.Minute)
	select {
	case <-timer.C:
		t.Fatal("fired a minute early")
	default:
	}
	c.Add(30 * time.Second)
	require.True(t, (<-timer.C).Equal(start.Add(90*time.Second)))
	require.Equal(t, 90*time.Second, c.Since(start))
}

// TestAdvanceOnMockAndWaitIdle checks Advance on *clock.Mock, the
// inclusive end of the span, and WaitIdle releasing what is due now.
func TestAdvanceOnMockAndWaitIdle(t *testing.T) {
	ctx := context.Background()
	m := clock.NewMock()
	m.Set(start)
	s := periodic.New(periodic.WithClock(m))
	var ticks []time.Time
	_, err := periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		ticks = append(ticks, periodic.TickFrom(ctx).UTC())
		return 0, nil
	})
	require.NoError(t, err)
	s.Start()
	require.NoError(t, periodictest.Advance(ctx, s, m, 20*time.Second))
	require.Equal(t, []time.Time{start.Add(10 * time.Second), start.Add(20 * time.Second)}, ticks)
	m.Add(10 * time.Second) // by hand: nothing runs until the test says so
	require.Len(t, ticks, 2)
	require.NoError(t, periodictest.WaitIdle(ctx, s))
	require.Len(t, ticks, 3)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	require.ErrorIs(t, periodictest.Advance(cancelled, s, m, time.Hour), context.Canceled)
	require.NoError(t, s.Shutdown(ctx))
}
