// Package periodicprom exports the runs of a periodic scheduler as
// Prometheus metrics: a prometheus.Collector (see Collector for the
// metrics and their labels) fed by the scheduler's hooks.
//
//	c, err := periodicprom.New()
//	if err != nil { ... }
//	s := periodic.New(periodic.WithHooks(c.Hooks()))
//	c.Observe(s) // periodic_next_run_timestamp_seconds
//	prometheus.MustRegister(c)
//
// Names follow Prometheus's conventions (base units, _total for
// counters, _seconds, _timestamp_seconds), and the tests check them with
// client_golang's linter (testutil.CollectAndLint). Runs count under the
// outcomes of periodic.Event.Outcome: succeeded, failed, cancelled,
// skipped, claimed_elsewhere, store_error; a tick another replica claimed
// is not a failure.
//
// The hooks cost well under a microsecond per run; bench/cmd/observe in
// the repository measures them inside a burst (see BENCHMARKS.md). A
// scheduler without them pays nothing.
package periodicprom
