package periodic

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
)

// requireHeap checks that every entry of h knows its index and that no
// entry comes before its parent.
func requireHeap(t *testing.T, h deadlines) {
	t.Helper()
	for i, e := range h {
		if i == 0 && e == nil && len(h) > 1 { // the hole pop leaves for the next push
			continue
		}
		require.NotNil(t, e, "slot %d empty", i)
		require.Equal(t, i, int(e.index), "entry at %d", i)
		if p := parentOf(i); i > 0 && h[p] != nil {
			require.False(t, h.before(i, parentOf(i)), "entry %d before its parent", i)
		}
	}
}

// TestShutdownTakesTicksAtOnce checks the heap after closeJobs: every
// job's tick has left it for its job (index -1), the tick the releaser
// holds stays held, and the other deadlines (here timers) are left in
// order, with their indexes.
func TestShutdownTakesTicksAtOnce(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := clock.NewMock()
	m.Set(t0)
	s := New(WithClock(m), WithLocation(time.UTC), WithLogger(slog.New(slog.DiscardHandler)))
	var jobs []*Job[int]
	for i := range 50 {
		j, err := Schedule(s, Every(time.Duration(1+i%7)*time.Minute), func(context.Context) (int, error) { return 0, nil })
		require.NoError(t, err)
		jobs = append(jobs, j)
	}
	s.Start()
	s.mu.Lock()
	e := s.popLocked() // the releaser holds the earliest tick
	s.mu.Unlock()
	require.Same(t, &jobs[0].tick, e, "the first job's tick is the earliest one")
	var stops []func() bool
	for i := range 20 {
		stops = append(stops, s.afterFunc(place{by: &s.root, n: uint64(i % 3)}, time.Duration(1+i%5)*time.Second, func() {}))
	}
	require.Equal(t, t0.Add(time.Second), s.heap.peek().when, "a timer is due first")

	s.closeJobs()
	s.mu.Lock()
	requireHeap(t, s.heap)
	require.Len(t, s.heap, 20, "the timers are left")
	for _, j := range jobs[1:] {
		require.Equal(t, -1, int(j.tick.index), "a tick left in the heap")
	}
	require.Equal(t, held, e.index, "the releaser's tick is still the releaser's")
	var got []time.Time
	for s.heap.peek() != nil {
		got = append(got, s.popLocked().when)
		requireHeap(t, s.heap)
	}
	s.mu.Unlock()
	require.IsNonDecreasing(t, got)
	require.Equal(t, t0.Add(time.Second), got[0])
	require.Equal(t, t0.Add(5*time.Second), got[len(got)-1])

	e.ev.fire(e, t0.Add(time.Minute)) // the releaser hands the tick back: to its job
	require.Equal(t, -1, int(e.index))
	for _, stop := range stops {
		stop()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = s.Shutdown(ctx)
	<-s.Done()
}
