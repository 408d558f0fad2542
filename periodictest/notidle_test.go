package periodictest_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
)

// TestNotIdleNamed checks that a run blocked on a bare channel of the
// Clock, which the scheduler cannot see, is named by Advance's error when
// its context ends, and by Shutdown's warning, instead of a bare
// "context canceled" or a silent hang.
func TestNotIdleNamed(t *testing.T) {
	c := periodictest.NewClock(start)
	var log bytes.Buffer
	made := make(chan struct{})
	s := periodic.New(periodic.WithClock(c), periodic.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	_, err := periodic.Schedule(s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
		ch := c.After(time.Hour) // not periodic.Sleep: the scheduler sees a busy run
		close(made)
		select {
		case <-ch:
		case <-ctx.Done():
		}
		return 0, ctx.Err()
	}, periodic.WithName("bare"), periodic.StartImmediately())
	require.NoError(t, err)
	s.Start()
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	err = periodictest.Advance(ended, s, c, time.Second)
	require.ErrorIs(t, err, context.Canceled)
	require.EqualError(t, err, "periodictest: context canceled; the scheduler is not idle at 2026-01-01T00:00:00Z: "+
		`job "bare" tick 2026-01-01T00:00:00Z: the run is busy (not in Sleep, Await or a combinator)`)
	<-made
	require.ErrorIs(t, s.Shutdown(ended), context.Canceled)
	require.Contains(t, log.String(), `level=WARN msg="periodic: Shutdown waits for goroutines that are not idle while timers of the clock are pending; `+
		`only the test moves a periodictest.Clock, so a goroutine blocked on one of its channels never returns" `+
		`busy="job \"bare\" tick 2026-01-01T00:00:00Z: the run is busy (not in Sleep, Await or a combinator)" `+
		`timers="1 pending, the first at 2026-01-01T01:00:00Z (1h0m0s ahead of the clock at 2026-01-01T00:00:00Z)"`)
}
