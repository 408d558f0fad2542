package periodicotel

import (
	"context"
	"fmt"
	"strings"
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
	tp    trace.TracerProvider
	mp    metric.MeterProvider
	sched attribute.KeyValue // AttrScheduler, or the zero KeyValue for none
	err   error              // the first bad option
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

// WithScheduler adds the attribute periodic.scheduler.name = name to every
// span and every measurement, so that schedulers sharing an
// Instrumentation (or a meter provider) keep apart series whose jobs
// have the same names. Without it, one Instrumentation given to two
// schedulers merges their jobs of the same name into one series, and its
// Observe gauge follows the scheduler observed last. An empty name is an
// error (New reports it); a name that is not valid UTF-8 has its bad
// bytes replaced by U+FFFD.
func WithScheduler(name string) Option {
	return func(c *config) {
		if name == "" {
			c.err = fmt.Errorf("periodicotel: WithScheduler(%q): need a name", name)
			return
		}
		c.sched = AttrScheduler.String(strings.ToValidUTF8(name, "\uFFFD"))
	}
}

// Instrumentation traces and measures the runs of schedulers through the
// OpenTelemetry API. Give its Hooks to periodic.New with
// periodic.WithHooks, and call Observe with the scheduler for the
// next-run gauge. It exports nothing itself: the providers (by default the
// global ones, which do nothing until the program sets them) and their
// exporters are the program's choice.
//
// An Instrumentation is safe for use by several goroutines. Give it to one
// scheduler: for several, make one per scheduler, each with its own
// WithScheduler name (the series of jobs of the same name would merge
// otherwise). The zero value is not usable; create one with New.
type Instrumentation struct {
	tracer trace.Tracer
	inst   instruments
	meter  metric.Meter
	sched  attribute.KeyValue // WithScheduler's attribute, or the zero KeyValue
	jobs   sync.Map           // job name → *jobAttrs
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
	case c.err != nil:
		return nil, c.err
	case c.tp == nil:
		return nil, fmt.Errorf("periodicotel: WithTracerProvider(nil)")
	case c.mp == nil:
		return nil, fmt.Errorf("periodicotel: WithMeterProvider(nil)")
	}
	in := &Instrumentation{tracer: c.tp.Tracer(ScopeName), meter: c.mp.Meter(ScopeName), sched: c.sched}
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
	AttrJob       = attribute.Key("periodic.job.name")           // the job's name, made valid UTF-8
	AttrScheduler = attribute.Key("periodic.scheduler.name")     // WithScheduler's name
	AttrOutcome   = attribute.Key("periodic.run.outcome")        // see periodic.Event.Outcome
	AttrTick      = attribute.Key("periodic.run.tick")           // the tick, RFC 3339 with nanoseconds, UTC
	AttrAttempt   = attribute.Key("periodic.run.attempt")        // the last attempt, 1 for the first; absent when none ran
	AttrLateness  = attribute.Key("periodic.run.start_lateness") // seconds from the tick to the start; absent for a Backfill or a lost claim
	AttrBackfill  = attribute.Key("periodic.run.backfill")       // true for a run of a Backfill; absent otherwise
)

// outcomes are the values of AttrOutcome, in the order of jobAttrs.out.
var outcomes = [...]string{periodic.OutcomeSucceeded, periodic.OutcomeFailed, periodic.OutcomeCancelled,
	periodic.OutcomeSkipped, periodic.OutcomeClaimedElsewhere, periodic.OutcomeStoreError}

// The indexes in outcomes the hooks test.
const (
	outFailed           = 1
	outClaimedElsewhere = 4
	outStoreError       = 5
)

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

// job returns the attribute sets of the named job. A name that is not
// valid UTF-8 has its bad bytes replaced by U+FFFD in the attributes and
// the span's name (OpenTelemetry's strings are UTF-8).
func (in *Instrumentation) job(name string) *jobAttrs {
	if a, ok := in.jobs.Load(name); ok {
		return a.(*jobAttrs)
	}
	valid := strings.ToValidUTF8(name, "\uFFFD")
	a := &jobAttrs{span: "run " + valid, name: AttrJob.String(valid)}
	a.only = metric.WithAttributeSet(in.set(a.name))
	a.addOnly, a.recOnly = []metric.AddOption{a.only}, []metric.RecordOption{a.only}
	for i, o := range outcomes {
		set := metric.WithAttributeSet(in.set(a.name, AttrOutcome.String(o)))
		a.addOut[i], a.recOut[i] = []metric.AddOption{set}, []metric.RecordOption{set}
	}
	got, _ := in.jobs.LoadOrStore(name, a)
	return got.(*jobAttrs)
}

// set returns the attribute set of kvs, with the scheduler's name when
// WithScheduler gave one.
func (in *Instrumentation) set(kvs ...attribute.KeyValue) attribute.Set {
	if in.sched.Key != "" {
		kvs = append(kvs, in.sched)
	}
	return attribute.NewSet(kvs...)
}

// outcome returns the index in outcomes of e's outcome.
func outcome(e periodic.Event) int {
	o := e.Outcome()
	for i, name := range outcomes {
		if name == o {
			return i
		}
	}
	return outFailed // an outcome this version does not know
}
