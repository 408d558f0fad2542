package periodicprom_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	periodicprom "github.com/periodic-go/periodic/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

// t0 is where every mock clock in the tests starts.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// env is a scheduler on a mock clock at t0 feeding a Collector with
// histogram boundaries 1, 5 and 30 s.
type env struct {
	t *testing.T
	m *clock.Mock
	s *periodic.Scheduler
	c *periodicprom.Collector
}

// newEnv returns the env, shut down when the test ends.
func newEnv(t *testing.T, opts ...periodic.Option) *env {
	t.Helper()
	c, err := periodicprom.New(periodicprom.WithBuckets(1, 5, 30))
	require.NoError(t, err)
	e := &env{t: t, m: clock.NewMock(), c: c}
	e.m.Set(t0)
	base := []periodic.Option{periodic.WithClock(e.m), periodic.WithLogger(slog.New(slog.DiscardHandler)),
		periodic.WithHooks(c.Hooks())}
	e.s = periodic.New(append(base, opts...)...)
	t.Cleanup(func() {
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		_ = e.s.Shutdown(cancelled) // cancels what a failed test left running
		require.NoError(t, e.s.Shutdown(context.Background()))
	})
	return e
}

// advance moves the mock by d through periodictest.
func (e *env) advance(d time.Duration) {
	e.t.Helper()
	require.NoError(e.t, periodictest.Advance(context.Background(), e.s, e.m, d))
}

// compare checks the named metrics against the exposition text want.
func (e *env) compare(want string, names ...string) {
	e.t.Helper()
	require.NoError(e.t, testutil.CollectAndCompare(e.c, strings.NewReader(want), names...))
}

// lockerFunc is a periodic.Locker made of a function.
type lockerFunc func(job string) error

func (f lockerFunc) Claim(_ context.Context, job string, _ time.Time) (periodic.Lease, error) {
	if err := f(job); err != nil {
		return nil, err
	}
	return nopLease{}, nil
}

// nopLease is a lease with nothing to release.
type nopLease struct{}

func (nopLease) Release(context.Context) error { return nil }

// sleeper returns a job that sleeps d on the scheduler's clock.
func sleeper(d time.Duration) periodic.Func[int] {
	return func(ctx context.Context) (int, error) { return 0, periodic.Sleep(ctx, d) }
}

// runOutcomes runs every outcome: work succeeds at 10 and 20 s in 4 s
// and a RunNow of it is cancelled after 2 s; slow runs 15 s, so its tick
// at 20 s is skipped; every tick of claimed is claimed elsewhere and every
// claim of store fails. It ends at 25 s, every run returned.
func runOutcomes(t *testing.T) *env {
	locker := lockerFunc(func(job string) error {
		switch job {
		case "claimed":
			return fmt.Errorf("%w: by replica b", periodic.ErrClaimed)
		case "store":
			return errors.New("redis down")
		}
		return nil
	})
	e := newEnv(t, periodic.WithLocker(locker))
	work, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), sleeper(4*time.Second), periodic.WithName("work"))
	require.NoError(t, err)
	_, err = periodic.Schedule(e.s, periodic.Every(10*time.Second), sleeper(15*time.Second),
		periodic.WithName("slow"), periodic.WithOverlap(periodic.OverlapSkip))
	require.NoError(t, err)
	for _, name := range []string{"claimed", "store"} {
		_, err = periodic.Schedule(e.s, periodic.Every(10*time.Second), sleeper(time.Second), periodic.WithName(name))
		require.NoError(t, err)
	}
	e.s.Start()
	e.advance(20 * time.Second)
	f := work.RunNow()
	e.advance(2 * time.Second)
	require.True(t, f.Cancel())
	e.advance(3 * time.Second)
	return e
}

// TestRunsByOutcome checks periodic_runs_total and
// periodic_run_duration_seconds, by job and outcome, exactly, and the
// start lateness: a tick claimed elsewhere counts under its outcome and
// nowhere else.
func TestRunsByOutcome(t *testing.T) {
	e := runOutcomes(t)
	e.compare(`
# HELP periodic_runs_total Runs that ended, and ticks that were skipped, by job and outcome.
# TYPE periodic_runs_total counter
periodic_runs_total{job="claimed",outcome="claimed_elsewhere"} 2
periodic_runs_total{job="slow",outcome="skipped"} 1
periodic_runs_total{job="slow",outcome="succeeded"} 1
periodic_runs_total{job="store",outcome="store_error"} 2
periodic_runs_total{job="work",outcome="cancelled"} 1
periodic_runs_total{job="work",outcome="succeeded"} 2
`, "periodic_runs_total")
	e.compare(`
# HELP periodic_run_duration_seconds How long runs took from start to return, by job and outcome.
# TYPE periodic_run_duration_seconds histogram
periodic_run_duration_seconds_bucket{job="slow",outcome="succeeded",le="1"} 0
periodic_run_duration_seconds_bucket{job="slow",outcome="succeeded",le="5"} 0
periodic_run_duration_seconds_bucket{job="slow",outcome="succeeded",le="30"} 1
periodic_run_duration_seconds_bucket{job="slow",outcome="succeeded",le="+Inf"} 1
periodic_run_duration_seconds_sum{job="slow",outcome="succeeded"} 15
periodic_run_duration_seconds_count{job="slow",outcome="succeeded"} 1
periodic_run_duration_seconds_bucket{job="store",outcome="store_error",le="1"} 2
periodic_run_duration_seconds_bucket{job="store",outcome="store_error",le="5"} 2
periodic_run_duration_seconds_bucket{job="store",outcome="store_error",le="30"} 2
periodic_run_duration_seconds_bucket{job="store",outcome="store_error",le="+Inf"} 2
periodic_run_duration_seconds_sum{job="store",outcome="store_error"} 0
periodic_run_duration_seconds_count{job="store",outcome="store_error"} 2
periodic_run_duration_seconds_bucket{job="work",outcome="cancelled",le="1"} 0
periodic_run_duration_seconds_bucket{job="work",outcome="cancelled",le="5"} 1
periodic_run_duration_seconds_bucket{job="work",outcome="cancelled",le="30"} 1
periodic_run_duration_seconds_bucket{job="work",outcome="cancelled",le="+Inf"} 1
periodic_run_duration_seconds_sum{job="work",outcome="cancelled"} 2
periodic_run_duration_seconds_count{job="work",outcome="cancelled"} 1
periodic_run_duration_seconds_bucket{job="work",outcome="succeeded",le="1"} 0
periodic_run_duration_seconds_bucket{job="work",outcome="succeeded",le="5"} 2
periodic_run_duration_seconds_bucket{job="work",outcome="succeeded",le="30"} 2
periodic_run_duration_seconds_bucket{job="work",outcome="succeeded",le="+Inf"} 2
periodic_run_duration_seconds_sum{job="work",outcome="succeeded"} 8
periodic_run_duration_seconds_count{job="work",outcome="succeeded"} 2
`, "periodic_run_duration_seconds")
	e.compare(`
# HELP periodic_run_start_lateness_seconds How late runs started after their tick, by job.
# TYPE periodic_run_start_lateness_seconds histogram
periodic_run_start_lateness_seconds_bucket{job="slow",le="1"} 1
periodic_run_start_lateness_seconds_bucket{job="slow",le="5"} 1
periodic_run_start_lateness_seconds_bucket{job="slow",le="30"} 1
periodic_run_start_lateness_seconds_bucket{job="slow",le="+Inf"} 1
periodic_run_start_lateness_seconds_sum{job="slow"} 0
periodic_run_start_lateness_seconds_count{job="slow"} 1
periodic_run_start_lateness_seconds_bucket{job="store",le="1"} 2
periodic_run_start_lateness_seconds_bucket{job="store",le="5"} 2
periodic_run_start_lateness_seconds_bucket{job="store",le="30"} 2
periodic_run_start_lateness_seconds_bucket{job="store",le="+Inf"} 2
periodic_run_start_lateness_seconds_sum{job="store"} 0
periodic_run_start_lateness_seconds_count{job="store"} 2
periodic_run_start_lateness_seconds_bucket{job="work",le="1"} 3
periodic_run_start_lateness_seconds_bucket{job="work",le="5"} 3
periodic_run_start_lateness_seconds_bucket{job="work",le="30"} 3
periodic_run_start_lateness_seconds_bucket{job="work",le="+Inf"} 3
periodic_run_start_lateness_seconds_sum{job="work"} 0
periodic_run_start_lateness_seconds_count{job="work"} 3
`, "periodic_run_start_lateness_seconds")
}

// TestLatenessMisfiresAndGauges checks the start lateness histogram, the
// misfired and dropped tick counters after a jump of the clock, the runs
// in flight as a run starts and returns, and the next-run gauge.
func TestLatenessMisfiresAndGauges(t *testing.T) {
	e := newEnv(t)
	_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), sleeper(2*time.Second),
		periodic.WithName("late"), periodic.WithCatchupWindow(25*time.Second))
	require.NoError(t, err)
	e.c.Observe(e.s)
	nextRun := func(sec int64) string {
		return fmt.Sprintf(`
# HELP periodic_next_run_timestamp_seconds When the job runs next, in seconds since the Unix epoch; absent while paused or when it will not run again.
# TYPE periodic_next_run_timestamp_seconds gauge
periodic_next_run_timestamp_seconds{job="late"} %d
`, t0.Unix()+sec)
	}
	inFlight := func(n int) string {
		return fmt.Sprintf(`
# HELP periodic_runs_in_flight Runs started and not yet returned, by job.
# TYPE periodic_runs_in_flight gauge
periodic_runs_in_flight{job="late"} %d
`, n)
	}
	e.compare("", "periodic_next_run_timestamp_seconds", "periodic_runs_in_flight") // not started
	e.s.Start()
	e.compare(nextRun(10), "periodic_next_run_timestamp_seconds")
	e.advance(10 * time.Second)
	e.compare(inFlight(1), "periodic_runs_in_flight")
	e.advance(2 * time.Second)
	e.compare(inFlight(0), "periodic_runs_in_flight")

	// To 55 s: tick 20 is older than the window and dropped; 30, 40 and
	// 50 are late; the coalesced run of tick 50 starts 5 s late; 20, 30
	// and 40 never run.
	e.m.Add(43 * time.Second)
	e.advance(0)
	e.compare(inFlight(1)+nextRun(60)+`
# HELP periodic_misfired_ticks_total Ticks released later than the misfire grace, by job.
# TYPE periodic_misfired_ticks_total counter
periodic_misfired_ticks_total{job="late"} 4
# HELP periodic_dropped_ticks_total Late ticks never run (past the catch-up window, or not run by the misfire policy), by job.
# TYPE periodic_dropped_ticks_total counter
periodic_dropped_ticks_total{job="late"} 3
`, "periodic_runs_in_flight", "periodic_next_run_timestamp_seconds", "periodic_misfired_ticks_total",
		"periodic_dropped_ticks_total")
	e.advance(2 * time.Second) // the run of tick 50 returns: its lateness is recorded as it ends
	e.compare(`
# HELP periodic_run_start_lateness_seconds How late runs started after their tick, by job.
# TYPE periodic_run_start_lateness_seconds histogram
periodic_run_start_lateness_seconds_bucket{job="late",le="1"} 1
periodic_run_start_lateness_seconds_bucket{job="late",le="5"} 2
periodic_run_start_lateness_seconds_bucket{job="late",le="30"} 2
periodic_run_start_lateness_seconds_bucket{job="late",le="+Inf"} 2
periodic_run_start_lateness_seconds_sum{job="late"} 5
periodic_run_start_lateness_seconds_count{job="late"} 2
`, "periodic_run_start_lateness_seconds")

	e.c.Observe(nil)
	e.compare("", "periodic_next_run_timestamp_seconds")
}

// TestLint checks every metric name and help text with client_golang's
// linter, and Describe against Collect with a pedantic registry.
func TestLint(t *testing.T) {
	e := runOutcomes(t)
	e.c.Observe(e.s)
	problems, err := testutil.CollectAndLint(e.c)
	require.NoError(t, err)
	require.Empty(t, problems)
	require.Equal(t, 6+4+3+4+4, testutil.CollectAndCount(e.c, // series: outcomes, durations, lateness (not claimed), then one per job
		"periodic_runs_total", "periodic_run_duration_seconds", "periodic_run_start_lateness_seconds",
		"periodic_runs_in_flight", "periodic_next_run_timestamp_seconds"))

	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(e.c))
	families, err := reg.Gather()
	require.NoError(t, err)
	require.Len(t, families, 5) // no misfire, no drop yet
}

// TestWithBuckets checks that bad boundaries are errors naming them.
func TestWithBuckets(t *testing.T) {
	cases := []struct {
		buckets []float64
		ok      bool
	}{
		{[]float64{1, 5, 30}, true},
		{[]float64{0.5}, true},
		{nil, false},
		{[]float64{5, 1}, false},
		{[]float64{1, 1}, false},
	}
	for _, c := range cases {
		col, err := periodicprom.New(periodicprom.WithBuckets(c.buckets...))
		if c.ok {
			require.NoError(t, err)
			require.NotNil(t, col)
			continue
		}
		require.EqualError(t, err, fmt.Sprintf("periodicprom: WithBuckets(%v): need at least one boundary, strictly increasing", c.buckets))
		require.Nil(t, col)
	}
}
