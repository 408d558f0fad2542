package periodictest

import (
	"context"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// TestClockMovesMockOnlyWhenDue checks that the inner mock, which costs a
// millisecond of real time per move, is moved only when a timer with a
// handle is due: not for contexts, After or Sleep, nor for a handle due
// later, stopped, or already fired.
func TestClockMovesMockOnlyWhenDue(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	c := NewClock(start)
	s := periodic.New(periodic.WithClock(c))
	runs := 0
	_, err := periodic.Schedule(s, periodic.Every(time.Second), func(ctx context.Context) (int, error) {
		runs++
		c2, cancel := s.Clock().WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		return 0, c2.Err()
	}, periodic.WithLimit(3600))
	require.NoError(t, err)
	fired := 0
	c.AfterFunc(48*time.Hour, func() { fired++ }) // pending, unused
	c.AfterFunc(time.Minute, func() { fired++ })
	c.AfterFunc(2*time.Hour, func() { fired++ }).Stop()
	s.Start()
	require.NoError(t, Advance(ctx, s, c, time.Hour))
	require.Equal(t, 3600, runs)
	require.Equal(t, 1, fired)
	// at 1 min: ahead to it; after its function, a probe ahead and back,
	// which finds the stopped timer gone and the 48 h one pending
	require.Equal(t, 3, c.moves)
	require.NoError(t, Advance(ctx, s, c, 47*time.Hour))
	require.Equal(t, 2, fired)
	require.NoError(t, s.Shutdown(ctx))
}
