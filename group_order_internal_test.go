package periodic

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
)

// TestGroupKeepsReleaseOrder checks that a batch the releaser fires in
// groups (fireGroups) starts runs in the order of the heap: a late tick
// (past the misfire grace, under its Misfire policy) released before an
// on-time tick of another job gets the one WithMaxConcurrency slot first,
// and the on-time run waits for it.
func TestGroupKeepsReleaseOrder(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := clock.NewMock()
	m.Set(t0)
	s := New(WithClock(m), WithLocation(time.UTC), WithLogger(slog.New(slog.DiscardHandler)), WithMaxConcurrency(1))
	gate := make(chan struct{})
	fn := func(context.Context) (int, error) { <-gate; return 0, nil }
	late, err := Schedule(s, At(t0.Add(time.Minute)), fn, WithName("late"))
	require.NoError(t, err)
	onTime, err := Schedule(s, At(t0.Add(time.Hour)), fn, WithName("on-time"))
	require.NoError(t, err)
	s.Start()

	now := t0.Add(time.Hour) // the late tick is 59 minutes late, the other on time
	s.mu.Lock()
	batch := []*entry{s.popLocked(), s.popLocked()} // as releaseBatch does, in the heap's order
	require.Equal(t, []*entry{&late.tick, &onTime.tick}, batch)
	s.busy.Add(1) // the releaser's token, as releaseBatch takes it
	s.live.Add(1)
	s.mu.Unlock()
	s.fireGroups(batch, now)
	s.release()

	s.mu.Lock()
	require.Len(t, late.l().active, 1, "the late tick's run, released first, has the slot")
	require.Empty(t, onTime.l().active)
	require.NotNil(t, onTime.l().slotWait, "the on-time run waits for the slot")
	s.mu.Unlock()

	close(gate)
	require.NoError(t, s.Shutdown(context.Background()))
}
