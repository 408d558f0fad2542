package periodic_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
)

// t0 is where every mock clock in the tests starts.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// env is a scheduler on a mock clock with a log of what its jobs did.
type env struct {
	t   *testing.T
	m   *clock.Mock
	s   *periodic.Scheduler
	mu  sync.Mutex
	log []string
}

// newEnv returns a started scheduler on a mock clock at t0, shut down when
// the test ends.
func newEnv(t *testing.T, opts ...periodic.Option) *env {
	t.Helper()
	m := clock.NewMock()
	m.Set(t0)
	e := &env{t: t, m: m}
	base := []periodic.Option{periodic.WithClock(m), periodic.WithLocation(time.UTC),
		periodic.WithLogger(slog.New(slog.DiscardHandler))}
	e.s = periodic.New(append(base, opts...)...)
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = e.s.Shutdown(ctx)
	})
	return e
}

// printf records a line stamped with the offset from t0.
func (e *env) printf(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, fmt.Sprintf("%3.0fs ", e.m.Now().Sub(t0).Seconds())+fmt.Sprintf(format, args...))
}

// lines returns the log so far and clears it.
func (e *env) lines() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := e.log
	e.log = nil
	return l
}

// advance moves the mock by d through periodictest.
func (e *env) advance(d time.Duration) {
	e.t.Helper()
	require.NoError(e.t, periodictest.Advance(context.Background(), e.s, e.m, d))
}

// at returns t0 plus d seconds.
func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

// discard returns a logger that drops everything.
func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
