package periodicotel

import (
	"context"
	"fmt"
	"sync"

	"github.com/periodic-go/periodic"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/periodic-go/periodic/otel"

// Option configures an Instrumentation.
type Option func(*config)

// config is what the options set.
type config struct {
	tp trace.TracerProvider
	mp metric.MeterProvider
}

// WithTracerProvider makes the spans come from tp instead of the global
// provider (otel.GetTracerProvider). Pass a no-op provider
// (go.opentelemetry.io/otel/trace/noop) for metrics only.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// WithMeterProvider makes the metrics go to mp instead of the global
// provider (otel.GetMeterProvider). Pass a no-op provider
// (go.opentelemetry.io/otel/metric/noop) for spans only.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.mp = mp }
}

// Instrumentation traces and measures the runs of schedulers through the
// OpenTelemetry API. Give its Hooks to periodic.New with
// periodic.WithHooks, and call Observe with the scheduler for the
// next-run gauge. It exports nothing itself: the providers (by default the
// global ones, which do nothing until the program sets them) and their
// exporters are the program's choice.
//
// An Instrumentation is safe for use by several goroutines and several
// schedulers; the zero value is not usable, create one with New.
type Instrumentation struct {
	tracer trace.Tracer
	inst   instruments
	meter  metric.Meter
	jobs   sync.Map // job name → *jobAttrs
}

// New returns an Instrumentation with the tracer and the instruments made
// from the providers opts name. It fails, naming the instrument, only if
// the meter provider refuses one.
func New(opts ...Option) (*Instrumentation, error) {
	c := config{tp: otel.GetTracerProvider(), mp: otel.GetMeterProvider()}
	for _, o := range opts {
		o(&c)
	}
	switch {
	case c.tp == nil:
		return nil, fmt.Errorf("periodicotel: WithTracerProvider(nil)")
	case c.mp == nil:
		return nil, fmt.Errorf("periodicotel: WithMeterProvider(nil)")
	}
	in := &Instrumentation{tracer: c.tp.Tracer(ScopeName), meter: c.mp.Meter(ScopeName)}
	if err := in.inst.make(in.meter); err != nil {
		return nil, err
	}
	return in, nil
}

// Hooks returns the hooks that make a span of every run and record the
// metrics. RunContext starts the run's span, so the job's function gets a
// context whose span is the run's: spans the job starts from it are the
// run's children. AfterRun ends it. Pass them with periodic.WithHooks,
// which keeps any other hooks given.
func (in *Instrumentation) Hooks() periodic.Hooks {
	return periodic.Hooks{
		RunContext: in.startSpan,
		BeforeRun:  in.started,
		OnRetry:    in.retried,
		AfterRun:   in.finished,
		OnSkip:     in.skipped,
		OnMisfire:  in.misfired,
	}
}

// Observe reports the next run time of each of s's jobs in the gauge
// periodic.job.next_run, read from s.Jobs at each collection; a paused
// job, or one that will not run again, has no point. Call Unregister on
// the result to stop. Observe s once per Instrumentation.
func (in *Instrumentation) Observe(s *periodic.Scheduler) (metric.Registration, error) {
	if s == nil {
		return nil, fmt.Errorf("periodicotel: Observe(nil)")
	}
	return in.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for _, j := range s.Jobs() {
			if !j.NextRun.IsZero() {
				o.ObserveFloat64(in.inst.nextRun, unixSeconds(j.NextRun), in.job(j.Name).only)
			}
		}
		return nil
	}, in.inst.nextRun)
}

// The attribute keys, named in the manner of OpenTelemetry's semantic
// conventions under the namespace periodic.
const (
	AttrJob      = attribute.Key("periodic.job.name")           // the job's name
	AttrOutcome  = attribute.Key("periodic.run.outcome")        // see periodic.Event.Outcome
	AttrTick     = attribute.Key("periodic.run.tick")           // the tick, RFC 3339 with nanoseconds, UTC
	AttrAttempt  = attribute.Key("periodic.run.attempt")        // the attempt number, 1 for the first
	AttrLateness = attribute.Key("periodic.run.start_lateness") // seconds from the tick to the start
)

// outcomes are the values of AttrOutcome, in the order of jobAttrs.out.
var outcomes = [...]string{"succeeded", "failed", "cancelled", "skipped", "claimed_elsewhere", "store_error"}

// jobAttrs are a job's attribute sets, made once: measurements with a
// prepared set allocate nothing.
type jobAttrs struct {
	span    string                               // the span's name
	name    attribute.KeyValue                   // AttrJob
	only    metric.MeasurementOption             // {job}
	addOnly []metric.AddOption                   // only, made once: a variadic slice would escape
	recOnly []metric.RecordOption                // only
	addOut  [len(outcomes)][]metric.AddOption    // {job, outcome i}
	recOut  [len(outcomes)][]metric.RecordOption // {job, outcome i}
}

// job returns the attribute sets of the named job.
func (in *Instrumentation) job(name string) *jobAttrs {
	if a, ok := in.jobs.Load(name); ok {
		return a.(*jobAttrs)
	}
	a := &jobAttrs{span: "run " + name, name: AttrJob.String(name)}
	a.only = metric.WithAttributeSet(attribute.NewSet(a.name))
	a.addOnly, a.recOnly = []metric.AddOption{a.only}, []metric.RecordOption{a.only}
	for i, o := range outcomes {
		set := metric.WithAttributeSet(attribute.NewSet(a.name, AttrOutcome.String(o)))
		a.addOut[i], a.recOut[i] = []metric.AddOption{set}, []metric.RecordOption{set}
	}
	got, _ := in.jobs.LoadOrStore(name, a)
	return got.(*jobAttrs)
}

// outcome returns the index in outcomes of e's outcome.
func outcome(e periodic.Event) int {
	o := e.Outcome()
	for i, name := range outcomes {
		if name == o {
			return i
		}
	}
	return 1 // failed: an outcome this version does not know
}
