package periodicotel

import (
	"context"
	"fmt"
	"time"

	"github.com/periodic-go/periodic"
	"go.opentelemetry.io/otel/metric"
)

// Buckets are the boundaries, in seconds, of the run duration and start
// lateness histograms: from 5 ms to an hour, for jobs of any period.
var Buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600}

// instruments are the metrics of an Instrumentation.
type instruments struct {
	runs     metric.Int64Counter           // periodic.run.count {job, outcome}
	duration metric.Float64Histogram       // periodic.run.duration {job, outcome}
	lateness metric.Float64Histogram       // periodic.run.start_lateness {job}
	active   metric.Int64UpDownCounter     // periodic.run.active {job}
	misfired metric.Int64Counter           // periodic.tick.misfired {job}
	dropped  metric.Int64Counter           // periodic.tick.dropped {job}
	nextRun  metric.Float64ObservableGauge // periodic.job.next_run {job}
}

// make creates the instruments from m.
func (in *instruments) make(m metric.Meter) error {
	var errs [7]error
	in.runs, errs[0] = m.Int64Counter("periodic.run.count", metric.WithUnit("{run}"),
		metric.WithDescription("Runs that ended and ticks that were skipped, by outcome."))
	in.duration, errs[1] = m.Float64Histogram("periodic.run.duration", metric.WithUnit("s"),
		metric.WithDescription("How long runs took, from start to return, by outcome."),
		metric.WithExplicitBucketBoundaries(Buckets...))
	in.lateness, errs[2] = m.Float64Histogram("periodic.run.start_lateness", metric.WithUnit("s"),
		metric.WithDescription("How late runs started after their tick."),
		metric.WithExplicitBucketBoundaries(Buckets...))
	in.active, errs[3] = m.Int64UpDownCounter("periodic.run.active", metric.WithUnit("{run}"),
		metric.WithDescription("Runs started and not yet returned."))
	in.misfired, errs[4] = m.Int64Counter("periodic.tick.misfired", metric.WithUnit("{tick}"),
		metric.WithDescription("Ticks released later than the misfire grace."))
	in.dropped, errs[5] = m.Int64Counter("periodic.tick.dropped", metric.WithUnit("{tick}"),
		metric.WithDescription("Late ticks never run: past the catch-up window, or not run by the misfire policy."))
	in.nextRun, errs[6] = m.Float64ObservableGauge("periodic.job.next_run", metric.WithUnit("s"),
		metric.WithDescription("When the job runs next, in seconds since the Unix epoch."))
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("periodicotel: %w", err)
		}
	}
	return nil
}

// started is the BeforeRun hook: one more run in flight. BeforeRun comes
// before the tick is claimed, so a run counts in flight while its claim
// is decided.
func (in *Instrumentation) started(e periodic.Event) {
	in.inst.active.Add(e.Context, 1, in.job(e.Job).addOnly...)
}

// finished is the AfterRun hook: the span ends, the run counts under its
// outcome and leaves the runs in flight; its duration and start lateness
// are recorded, except for a tick claimed elsewhere, which did not run
// here (the outcome only), and the lateness of a Backfill's run, whose
// tick is a chosen past time.
func (in *Instrumentation) finished(e periodic.Event) {
	a, o := in.job(e.Job), outcome(e)
	endSpan(e, o)
	in.inst.runs.Add(e.Context, 1, a.addOut[o]...)
	if o != outClaimedElsewhere {
		in.inst.duration.Record(e.Context, e.Duration.Seconds(), a.recOut[o]...)
	}
	if countsLateness(e, o) {
		in.inst.lateness.Record(e.Context, e.Start.Sub(e.Tick).Seconds(), a.recOnly...)
	}
	in.inst.active.Add(e.Context, -1, a.addOnly...)
}

// countsLateness reports whether the start lateness of the run e ends, of
// outcome index o, is a figure of the scheduler's: not for a Backfill's
// run, nor a tick claimed elsewhere.
func countsLateness(e periodic.Event, o int) bool {
	return !e.Backfill && o != outClaimedElsewhere
}

// skipped is the OnSkip hook: the tick counts as a skipped run.
func (in *Instrumentation) skipped(e periodic.Event) {
	in.inst.runs.Add(context.Background(), 1, in.job(e.Job).addOut[outcome(e)]...)
}

// misfired is the OnMisfire hook: the late ticks, and those dropped.
func (in *Instrumentation) misfired(e periodic.Event) {
	a := in.job(e.Job)
	in.inst.misfired.Add(context.Background(), int64(e.Missed), a.addOnly...)
	if e.Dropped > 0 {
		in.inst.dropped.Add(context.Background(), int64(e.Dropped), a.addOnly...)
	}
}

// unixSeconds returns t in seconds since the Unix epoch.
func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
