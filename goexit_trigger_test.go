package periodic_test

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// goexitTrigger ticks every second, and its Next calls runtime.Goexit
// from its second call on, as require does in a test's trigger.
type goexitTrigger struct {
	mu    *sync.Mutex
	calls *int
}

func (g goexitTrigger) Next(after time.Time) time.Time {
	g.mu.Lock()
	*g.calls++
	n := *g.calls
	g.mu.Unlock()
	if n >= 2 {
		runtime.Goexit()
	}
	return after.Add(time.Second)
}

// TestTriggerGoexitOnDispatcher checks that a trigger whose Next calls
// runtime.Goexit on the dispatcher ends its own job, after the tick it
// was asked about, and nothing else: a new dispatcher takes over, the
// other jobs go on ticking, it is logged, and Shutdown completes.
func TestTriggerGoexitOnDispatcher(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := clock.NewMock()
	m.Set(t0)
	var logs bytes.Buffer
	var logMu sync.Mutex
	s := periodic.New(periodic.WithClock(m), periodic.WithLocation(time.UTC),
		periodic.WithLogger(slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, nil))))
	var mu sync.Mutex
	calls := 0
	ranBroken := make(chan time.Time, 10)
	ranOther := make(chan time.Time, 10)
	broken, err := periodic.Schedule(s, goexitTrigger{&mu, &calls}, func(ctx context.Context) (int, error) {
		ranBroken <- periodic.TickFrom(ctx)
		return 0, nil
	}, periodic.WithName("broken"))
	require.NoError(t, err)
	_, err = periodic.Schedule(s, periodic.Every(time.Second), func(ctx context.Context) (int, error) {
		ranOther <- periodic.TickFrom(ctx)
		return 0, nil
	}, periodic.WithName("other"))
	require.NoError(t, err)
	s.Start()                                                                // the broken trigger's first Next, on this goroutine: t0+1s
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a safety net, not a measure
	defer cancel()
	recv := func(ch chan time.Time) time.Time {
		select {
		case tick := <-ch:
			return tick
		case <-ctx.Done():
			t.Fatal("no run: the dispatcher died")
			return time.Time{}
		}
	}
	m.Add(time.Second) // the dispatcher asks the broken trigger for the tick after t0+1s: Goexit
	require.Equal(t, t0.Add(time.Second), recv(ranOther))
	require.Equal(t, t0.Add(time.Second), recv(ranBroken), "the tick the dispatcher held still runs")
	m.Add(time.Second)
	require.Equal(t, t0.Add(2*time.Second), recv(ranOther), "the other job goes on ticking")
	require.NoError(t, s.Shutdown(ctx))
	require.Empty(t, ranBroken, "the broken job ended after its tick")
	require.Equal(t, 2, calls, "Next is not asked again after Goexit")
	require.Zero(t, broken.NextRun())
	logMu.Lock()
	defer logMu.Unlock()
	require.Contains(t, logs.String(), "trigger called runtime.Goexit; the job ends")
	require.Contains(t, logs.String(), "a new dispatcher takes over")
}

// lockedWriter serialises writes to a buffer read by the test.
type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
