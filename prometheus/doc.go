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
// outcomes of periodic.Event.Outcome (the periodic.Outcome constants):
// succeeded, failed, cancelled, skipped, claimed_elsewhere, store_error;
// a tick another replica claimed is not a failure, and counts only there.
//
// # The job label
//
// The job's name is in a label named "job", as the issue that asked for
// these metrics named it. Prometheus adds its own "job" label, the scrape
// job's name, to every series it scrapes. With honor_labels: false (the
// default) the server keeps its own and renames the Collector's to
// exported_job, so queries say periodic_runs_total{exported_job="..."};
// with honor_labels: true the Collector's value wins and the scrape job's
// name is lost. To keep both under their own names, create the Collector
// with WithJobLabel("job_name").
//
// # Removed jobs
//
// A job's series stay after Job.Remove, at their last values: a program
// that adds and removes jobs by the thousand (a job per customer) should
// call Forget with each removed job's name once its runs have returned.
// The next-run gauge needs nothing: it is read from the scheduler's jobs
// at each scrape.
//
// # Cost
//
// BENCHMARKS.md ("Monitoring cost") measures the hooks inside a burst of
// 10,000 runs (bench/cmd/observe in the repository): about 4 µs of CPU per
// run there, against a floor of about 3 µs per run without them, and no
// allocation; about 0.5 µs per run for one job outside a burst
// (BenchmarkHooks). A scheduler without the hooks pays nothing.
package periodicprom
