package periodic

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
)

// TestHeldTickTakesIntents checks the heap-entry ownership rule of
// ARCHITECTURE.md step by step: while the releaser holds a job's tick,
// Pause and Resume are intents; the releaser's fire applies them and puts
// the entry back once; pushLocked never puts an entry in the heap twice.
func TestHeldTickTakesIntents(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := clock.NewMock()
	m.Set(t0)
	s := New(WithClock(m), WithLocation(time.UTC), WithLogger(slog.New(slog.DiscardHandler)))
	ran := 0
	j, err := Schedule(s, Every(time.Second), func(context.Context) (int, error) { ran++; return 0, nil })
	require.NoError(t, err)
	s.Start()

	s.mu.Lock()
	e := s.popLocked() // as the releaser does
	require.Same(t, &j.tick, e)
	require.Equal(t, held, e.index)
	s.mu.Unlock()

	j.Pause()
	j.Resume()
	s.mu.Lock()
	require.False(t, s.heap.holds(&j.tick), "Resume pushed a held entry")
	require.True(t, j.resumeWanted)
	require.Equal(t, jobPaused, j.state)
	s.mu.Unlock()

	e.ev.fire(e, t0.Add(time.Second)) // the releaser fires: the pause holds, the resume follows
	s.mu.Lock()
	require.True(t, s.heap.holds(&j.tick))
	require.Len(t, s.heap, 1)
	require.Equal(t, jobActive, j.state)
	require.True(t, j.tick.when.After(t0), "resumed at the first tick after now")
	s.pushLocked(&j.tick, t0.Add(time.Hour)) // already in the heap: ignored
	require.Len(t, s.heap, 1)
	s.mu.Unlock()
	require.Zero(t, ran, "a tick ran inside the pause")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = s.Shutdown(ctx)
	<-s.Done()
}
