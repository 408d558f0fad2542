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
//	periodic.job.name            the job's name (bad UTF-8 bytes replaced by U+FFFD)
//	periodic.run.tick            the tick, RFC 3339 with nanoseconds, UTC
//	periodic.run.start_lateness  seconds from the tick to the start; absent for a Backfill's run and a lost claim
//	periodic.run.attempt         the last attempt, 1 for the first; absent when none ran (a lost claim)
//	periodic.run.outcome         succeeded, failed, cancelled, claimed_elsewhere or store_error
//	periodic.run.backfill        true for a run of a Backfill
//	periodic.scheduler.name      WithScheduler's name, when given
//
// The span starts before the tick is claimed (the claim is its child).
// When another replica claims the tick, the span ends at once with the
// outcome claimed_elsewhere and neither attempt nor lateness: the claim
// was all the work done here.
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
//	periodic.run.duration        Float64Histogram s        job, outcome   start to return; not for claimed_elsewhere
//	periodic.run.start_lateness  Float64Histogram s        job            tick to start, recorded as the run ends
//	periodic.run.active          Int64UpDownCounter {run}  job            runs started and not returned
//	periodic.tick.misfired       Int64Counter {tick}       job            ticks released past the misfire grace
//	periodic.tick.dropped        Int64Counter {tick}       job            late ticks never run
//	periodic.job.next_run        Float64ObservableGauge s  job            Unix time of the next run (Observe)
//
// Every point also has periodic.scheduler.name when WithScheduler gave
// one. The histograms advise the boundaries in Buckets. The outcomes are
// those of periodic.Event.Outcome (the periodic.Outcome constants).
//
// A tick another replica claimed (outcome claimed_elsewhere) did not run
// here: it counts in periodic.run.count and nowhere else, except that
// periodic.run.active counts it while its claim is decided (BeforeRun
// comes before the claim). The runs of a Backfill stay out of
// periodic.run.start_lateness: their ticks are past times chosen by the
// caller, and their lateness would say nothing of the scheduler's health.
//
// # Several schedulers
//
// Jobs are told apart by name only. Give each scheduler its own
// Instrumentation, and name each with WithScheduler when they share a
// meter provider: without it, jobs of the same name in two schedulers
// merge into one series.
//
// # Removed jobs
//
// The OpenTelemetry metrics API cannot delete a series: a removed job's
// series stay in the SDK's cumulative state, at their last values, for
// the life of the meter provider. With a churn of job names (a job per
// customer, say), they grow without bound; use delta temporality in the
// exporter (the SDK forgets a series that saw no measurement in a
// collection interval), or a View that drops periodic.job.name.
//
// # Cost
//
// BENCHMARKS.md ("Monitoring cost") measures the hooks inside a burst of
// 10,000 runs with the SDK (bench/cmd/observe in the repository): a span
// costs about 16 µs of CPU per run there (about 5 µs for one job outside
// a burst, BenchmarkHooks/spans), the metrics about 6 µs, against a
// floor of about 3 µs per run without them; read the ratios, the machine
// was shared. A scheduler without these hooks pays nothing for them.
package periodicotel
