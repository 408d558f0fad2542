package periodicprom_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	periodicprom "github.com/periodic-go/periodic/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// Example exports the runs of a job every 10 s that fails every other
// run, on a mock clock, and prints what a scrape would show of two of the
// metrics.
func Example() {
	ctx := context.Background()
	c, err := periodicprom.New(periodicprom.WithBuckets(1, 10))
	if err != nil {
		panic(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)

	m := clock.NewMock()
	m.Set(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := periodic.New(periodic.WithClock(m), periodic.WithHooks(c.Hooks()),
		periodic.WithLogger(slog.New(slog.DiscardHandler)))
	c.Observe(s)
	n := 0
	_, err = periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		if n++; n%2 == 0 {
			return 0, errors.New("upstream down")
		}
		return n, periodic.Sleep(ctx, 2*time.Second)
	}, periodic.WithName("sync"))
	if err != nil {
		panic(err)
	}
	s.Start()
	_ = periodictest.Advance(ctx, s, m, 35*time.Second)

	families, err := reg.Gather()
	if err != nil {
		panic(err)
	}
	for _, mf := range families {
		switch mf.GetName() {
		case "periodic_runs_total", "periodic_next_run_timestamp_seconds":
			_, _ = expfmt.MetricFamilyToText(os.Stdout, mf)
		}
	}
	_ = s.Shutdown(ctx)
	// Output:
	// # HELP periodic_next_run_timestamp_seconds When the job runs next, in seconds since the Unix epoch; absent while paused or when it will not run again.
	// # TYPE periodic_next_run_timestamp_seconds gauge
	// periodic_next_run_timestamp_seconds{job="sync"} 1.76722564e+09
	// # HELP periodic_runs_total Runs that ended, and ticks that were skipped, by job and outcome.
	// # TYPE periodic_runs_total counter
	// periodic_runs_total{job="sync",outcome="failed"} 1
	// periodic_runs_total{job="sync",outcome="succeeded"} 2
}
