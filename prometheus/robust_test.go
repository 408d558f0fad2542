package periodicprom_test

import (
	"context"
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

// TestInvalidUTF8JobName checks that a job name that is not valid UTF-8
// neither panics in the hooks nor fails a scrape: the label has the bad
// bytes replaced by U+FFFD, in the hooks' metrics and the next-run gauge.
func TestInvalidUTF8JobName(t *testing.T) {
	e := newEnv(t)
	e.c.Observe(e.s)
	_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), sleeper(time.Second), periodic.WithName("bad\xffname"))
	require.NoError(t, err)
	e.s.Start()
	e.advance(11 * time.Second)
	e.compare(fmt.Sprintf(`
# HELP periodic_runs_total Runs that ended, and ticks that were skipped, by job and outcome.
# TYPE periodic_runs_total counter
periodic_runs_total{job="bad�name",outcome="succeeded"} 1
# HELP periodic_next_run_timestamp_seconds When the job runs next, in seconds since the Unix epoch; absent while paused or when it will not run again.
# TYPE periodic_next_run_timestamp_seconds gauge
periodic_next_run_timestamp_seconds{job="bad�name"} %d
`, t0.Unix()+20), "periodic_runs_total", "periodic_next_run_timestamp_seconds")
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(e.c))
	_, err = reg.Gather()
	require.NoError(t, err)
}

// TestWithJobLabel checks that WithJobLabel renames the job's label on
// every metric, and that a bad name is an error naming it.
func TestWithJobLabel(t *testing.T) {
	c, err := periodicprom.New(periodicprom.WithJobLabel("job_name"))
	require.NoError(t, err)
	m := clock.NewMock()
	m.Set(t0)
	s := periodic.New(periodic.WithClock(m), periodic.WithLogger(slog.New(slog.DiscardHandler)), periodic.WithHooks(c.Hooks()))
	t.Cleanup(func() { require.NoError(t, s.Shutdown(context.Background())) })
	c.Observe(s)
	_, err = periodic.Schedule(s, periodic.Every(10*time.Second), sleeper(time.Second), periodic.WithName("j"))
	require.NoError(t, err)
	s.Start()
	require.NoError(t, periodictest.Advance(context.Background(), s, m, 11*time.Second))
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(fmt.Sprintf(`
# HELP periodic_runs_total Runs that ended, and ticks that were skipped, by job and outcome.
# TYPE periodic_runs_total counter
periodic_runs_total{job_name="j",outcome="succeeded"} 1
# HELP periodic_runs_in_flight Runs started and not yet returned, by job.
# TYPE periodic_runs_in_flight gauge
periodic_runs_in_flight{job_name="j"} 0
# HELP periodic_next_run_timestamp_seconds When the job runs next, in seconds since the Unix epoch; absent while paused or when it will not run again.
# TYPE periodic_next_run_timestamp_seconds gauge
periodic_next_run_timestamp_seconds{job_name="j"} %d
`, t0.Unix()+20)), "periodic_runs_total", "periodic_runs_in_flight", "periodic_next_run_timestamp_seconds"))

	for _, bad := range []string{"", "2job", "job-name", "__job", "outcome", "jöb"} {
		c, err := periodicprom.New(periodicprom.WithJobLabel(bad))
		require.EqualError(t, err, fmt.Sprintf(`periodicprom: WithJobLabel(%q): need a label name [a-zA-Z_][a-zA-Z0-9_]*, not reserved (__*) nor "outcome"`, bad))
		require.Nil(t, c)
	}
}

// TestBucketsCopied checks that New copies the default Buckets: a change
// to the package variable after New leaves the Collector's boundaries.
func TestBucketsCopied(t *testing.T) {
	saved := periodicprom.Buckets
	t.Cleanup(func() { periodicprom.Buckets = saved })
	periodicprom.Buckets = []float64{1, 2}
	c, err := periodicprom.New()
	require.NoError(t, err)
	periodicprom.Buckets[0], periodicprom.Buckets[1] = 100, 50 // not increasing: a shared slice would break the histogram
	c.Hooks().AfterRun(periodic.Event{Kind: periodic.EventFinish, Job: "j", Start: t0, Tick: t0, Duration: 1500 * time.Millisecond})
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(`
# HELP periodic_run_duration_seconds How long runs took from start to return, by job and outcome.
# TYPE periodic_run_duration_seconds histogram
periodic_run_duration_seconds_bucket{job="j",outcome="succeeded",le="1"} 0
periodic_run_duration_seconds_bucket{job="j",outcome="succeeded",le="2"} 1
periodic_run_duration_seconds_bucket{job="j",outcome="succeeded",le="+Inf"} 1
periodic_run_duration_seconds_sum{job="j",outcome="succeeded"} 1.5
periodic_run_duration_seconds_count{job="j",outcome="succeeded"} 1
`), "periodic_run_duration_seconds"))
}

// TestBackfillLatenessLeftOut checks that the runs of a Backfill count
// and record their duration, but not their start lateness.
func TestBackfillLatenessLeftOut(t *testing.T) {
	e := newEnv(t)
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), sleeper(time.Second), periodic.WithName("bf"))
	require.NoError(t, err)
	e.s.Start()
	e.advance(11 * time.Second)                                              // tick 10 ran, on time
	_, err = job.Backfill(context.Background(), t0.Add(-20*time.Second), t0) // ticks -20 s and -10 s, 31 and 22 s late
	require.NoError(t, err)
	e.advance(2 * time.Second)
	e.compare(`
# HELP periodic_runs_total Runs that ended, and ticks that were skipped, by job and outcome.
# TYPE periodic_runs_total counter
periodic_runs_total{job="bf",outcome="succeeded"} 3
# HELP periodic_run_start_lateness_seconds How late runs started after their tick, by job.
# TYPE periodic_run_start_lateness_seconds histogram
periodic_run_start_lateness_seconds_bucket{job="bf",le="1"} 1
periodic_run_start_lateness_seconds_bucket{job="bf",le="5"} 1
periodic_run_start_lateness_seconds_bucket{job="bf",le="30"} 1
periodic_run_start_lateness_seconds_bucket{job="bf",le="+Inf"} 1
periodic_run_start_lateness_seconds_sum{job="bf"} 0
periodic_run_start_lateness_seconds_count{job="bf"} 1
`, "periodic_runs_total", "periodic_run_start_lateness_seconds")
}

// TestForget checks that Forget deletes a removed job's series and only
// its, and reports whether there were any.
func TestForget(t *testing.T) {
	e := runOutcomes(t)
	require.True(t, e.c.Forget("work"))
	require.False(t, e.c.Forget("work"))
	e.compare(`
# HELP periodic_runs_total Runs that ended, and ticks that were skipped, by job and outcome.
# TYPE periodic_runs_total counter
periodic_runs_total{job="claimed",outcome="claimed_elsewhere"} 2
periodic_runs_total{job="slow",outcome="skipped"} 1
periodic_runs_total{job="slow",outcome="succeeded"} 1
periodic_runs_total{job="store",outcome="store_error"} 2
# HELP periodic_runs_in_flight Runs started and not yet returned, by job.
# TYPE periodic_runs_in_flight gauge
periodic_runs_in_flight{job="claimed"} 0
periodic_runs_in_flight{job="slow"} 0
periodic_runs_in_flight{job="store"} 0
`, "periodic_runs_total", "periodic_runs_in_flight")
}

// TestUserHooksPanicBeforeCollector checks that a user's hooks, given
// before the Collector's and all panicking, stop neither the run nor the
// Collector's hooks.
func TestUserHooksPanicBeforeCollector(t *testing.T) {
	bad := periodic.Hooks{
		BeforeRun: func(periodic.Event) { panic("user BeforeRun") },
		AfterRun:  func(periodic.Event) { panic("user AfterRun") },
		OnSkip:    func(periodic.Event) { panic("user OnSkip") },
	}
	c, err := periodicprom.New()
	require.NoError(t, err)
	m := clock.NewMock()
	m.Set(t0)
	s := periodic.New(periodic.WithClock(m), periodic.WithLogger(slog.New(slog.DiscardHandler)),
		periodic.WithHooks(bad), periodic.WithHooks(c.Hooks()))
	t.Cleanup(func() { require.NoError(t, s.Shutdown(context.Background())) })
	_, err = periodic.Schedule(s, periodic.Every(10*time.Second), sleeper(15*time.Second),
		periodic.WithName("j"), periodic.WithOverlap(periodic.OverlapSkip))
	require.NoError(t, err)
	s.Start()
	require.NoError(t, periodictest.Advance(context.Background(), s, m, 25*time.Second))
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(`
# HELP periodic_runs_total Runs that ended, and ticks that were skipped, by job and outcome.
# TYPE periodic_runs_total counter
periodic_runs_total{job="j",outcome="skipped"} 1
periodic_runs_total{job="j",outcome="succeeded"} 1
# HELP periodic_runs_in_flight Runs started and not yet returned, by job.
# TYPE periodic_runs_in_flight gauge
periodic_runs_in_flight{job="j"} 0
`), "periodic_runs_total", "periodic_runs_in_flight"))
}
