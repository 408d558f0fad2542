// Package periodicotel traces and measures the runs of a periodic
// scheduler through OpenTelemetry, in the manner of otelhttp: the program
// opts in by giving the scheduler the Instrumentation's hooks, and chooses
// the providers and their exporters. Nothing is exported by default: the
// default providers are the global ones, which do nothing until the
// program sets them.
//
//	tel, err := periodicotel.New(
//		periodicotel.WithTracerProvider(tp), // from go.opentelemetry.io/otel/sdk/trace, say
//		periodicotel.WithMeterProvider(mp))
//	if err != nil { ... }
//	s := periodic.New(periodic.WithHooks(tel.Hooks()))
//	reg, err := tel.Observe(s) // the next-run gauge
//	if err != nil { ... }
//	defer reg.Unregister()
//
// # Spans
//
// Every run that starts gets a span named "run <job>", of kind Internal,
// from the run's start to its return, both read from the scheduler's
// clock (so a test on a mock clock sees exact times). It is started by the
// periodic.Hooks.RunContext hook, so the run's context carries it: the
// job's function, the Locker's claim and everything they start from that
// context are its children. A tick's run is a root span; a Backfill run
// is a child of the span in the context given to Backfill. Attributes:
//
//	periodic.job.name            the job's name
//	periodic.run.tick            the tick, RFC 3339 with nanoseconds, UTC
//	periodic.run.start_lateness  seconds from the tick to the start
//	periodic.run.attempt         the last attempt, 1 for the first
//	periodic.run.outcome         succeeded, failed, cancelled, claimed_elsewhere or store_error
//
// Each failed attempt that is retried is an event "periodic.retry" at the
// failure, with its attempt number and exception.message. A failure
// (outcome failed or store_error) is recorded as an exception event, with
// exception.stacktrace for a panic, sets error.type to the outcome and the
// status to Error. A cancelled run and a tick claimed by another replica
// are not errors. Skipped ticks have no span.
//
// # Metrics
//
//	periodic.run.count           Int64Counter {run}        job, outcome   runs that ended, ticks skipped (outcome skipped)
//	periodic.run.duration        Float64Histogram s        job, outcome   start to return
//	periodic.run.start_lateness  Float64Histogram s        job            tick to start
//	periodic.run.active          Int64UpDownCounter {run}  job            runs started and not returned
//	periodic.tick.misfired       Int64Counter {tick}       job            ticks released past the misfire grace
//	periodic.tick.dropped        Int64Counter {tick}       job            late ticks past the catch-up window
//	periodic.job.next_run        Float64ObservableGauge s  job            Unix time of the next run (Observe)
//
// The histograms advise the boundaries in Buckets. The outcomes are those
// of periodic.Event.Outcome.
//
// # Cost
//
// With the SDK, spans cost a few microseconds of CPU per run and metrics
// less; bench/cmd/observe in the repository measures both against the
// same burst without them (see BENCHMARKS.md). A scheduler without these
// hooks pays nothing for them.
package periodicotel
