package periodicotel_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	periodicotel "github.com/periodic-go/periodic/otel"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// t0 is where every mock clock in the tests starts.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var errBoom = errors.New("boom")

// env is a scheduler on a mock clock, instrumented with in-memory
// exporters.
type env struct {
	t      *testing.T
	m      *clock.Mock
	s      *periodic.Scheduler
	tp     *sdktrace.TracerProvider
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	in     *periodicotel.Instrumentation
}

// newEnv returns a scheduler at t0 with the instrumentation's hooks, shut
// down when the test ends.
func newEnv(t *testing.T, opts ...periodic.Option) *env {
	t.Helper()
	return newEnvWith(t, nil, nil, opts...)
}

// newEnvWith is newEnv with options for the Instrumentation, and options
// for the scheduler given before its hooks (first) and after (opts).
func newEnvWith(t *testing.T, telOpts []periodicotel.Option, first []periodic.Option, opts ...periodic.Option) *env {
	t.Helper()
	e := &env{t: t, m: clock.NewMock(), spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	e.m.Set(t0)
	e.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	in, err := periodicotel.New(append([]periodicotel.Option{periodicotel.WithTracerProvider(e.tp),
		periodicotel.WithMeterProvider(mp)}, telOpts...)...)
	require.NoError(t, err)
	e.in = in
	base := append([]periodic.Option{periodic.WithClock(e.m), periodic.WithLogger(slog.New(slog.DiscardHandler))}, first...)
	base = append(base, periodic.WithHooks(in.Hooks()))
	e.s = periodic.New(append(base, opts...)...)
	t.Cleanup(func() {
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		_ = e.s.Shutdown(cancelled) // cancels what a failed test left running
		require.NoError(t, e.s.Shutdown(context.Background()))
		require.NoError(t, mp.Shutdown(context.Background()))
		require.NoError(t, e.tp.Shutdown(context.Background()))
	})
	return e
}

// advance moves the mock by d through periodictest.
func (e *env) advance(d time.Duration) {
	e.t.Helper()
	require.NoError(e.t, periodictest.Advance(context.Background(), e.s, e.m, d))
}

// jump moves the mock by d at once, then lets the scheduler catch up.
func (e *env) jump(d time.Duration) {
	e.t.Helper()
	e.m.Add(d)
	e.advance(0)
}

// sec formats t as its offset from t0.
func sec(t time.Time) string { return fmt.Sprintf("%gs", t.Sub(t0).Seconds()) }

// ended returns the ended spans, each as lines: the span, then its events.
func (e *env) ended() []string {
	var out []string
	for _, s := range e.spans.Ended() {
		out = append(out, spanLines(s)...)
	}
	return out
}

// spanLines describes s: name, times from t0, kind, attributes sorted,
// status, then each event with its time and attributes. A span's
// attribute periodic.run.tick is shown as an offset too.
func spanLines(s sdktrace.ReadOnlySpan) []string {
	line := fmt.Sprintf("%s %s-%s %s %s status=%s", s.Name(), sec(s.StartTime()), sec(s.EndTime()),
		s.SpanKind(), attrs(s.Attributes()), s.Status().Code)
	if s.Status().Description != "" {
		line += ": " + s.Status().Description
	}
	lines := []string{line}
	for _, ev := range s.Events() {
		lines = append(lines, fmt.Sprintf("  %s at %s %s", ev.Name, sec(ev.Time), attrs(ev.Attributes)))
	}
	return lines
}

// attrs formats kvs sorted by key, leaving out stack traces.
func attrs(kvs []attribute.KeyValue) string {
	var parts []string
	for _, kv := range kvs {
		v := kv.Value.String()
		switch kv.Key {
		case periodicotel.AttrTick:
			tick, err := time.Parse(time.RFC3339Nano, v)
			if err == nil {
				v = sec(tick)
			}
		case "exception.stacktrace":
			if strings.HasPrefix(v, "goroutine ") && strings.Contains(v, "panic") {
				v = "<stack>"
			}
		}
		parts = append(parts, fmt.Sprintf("%s=%s", kv.Key, v))
	}
	slices.Sort(parts)
	return "{" + strings.Join(parts, " ") + "}"
}

// collect returns the metrics collected now, by name.
func (e *env) collect() map[string]metricdata.Metrics {
	e.t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(e.t, e.reader.Collect(context.Background(), &rm))
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		require.Equal(e.t, periodicotel.ScopeName, sm.Scope.Name)
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
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

// points describes the data points of the named metric, sorted: its
// attributes (without the job's key prefix), then the value; for a
// histogram the count, sum, min, max and the upper bound of each
// non-empty bucket with its count. A metric not collected gives nil.
func (e *env) points(name string) []string {
	e.t.Helper()
	m, ok := e.collect()[name]
	if !ok {
		return nil
	}
	var out []string
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			out = append(out, fmt.Sprintf("%s %d", pointAttrs(p.Attributes), p.Value))
		}
	case metricdata.Gauge[float64]:
		for _, p := range d.DataPoints {
			out = append(out, fmt.Sprintf("%s %s", pointAttrs(p.Attributes), sec(time.Unix(0, int64(p.Value*1e9)))))
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			lo, _ := p.Min.Value()
			hi, _ := p.Max.Value()
			out = append(out, fmt.Sprintf("%s count=%d sum=%g min=%g max=%g buckets=%s",
				pointAttrs(p.Attributes), p.Count, p.Sum, lo, hi, buckets(p.Bounds, p.BucketCounts)))
		}
	default:
		e.t.Fatalf("%s: unexpected data %T", name, m.Data)
	}
	slices.Sort(out)
	return out
}

// pointAttrs formats a point's attributes as job[/outcome].
func pointAttrs(set attribute.Set) string {
	job, _ := set.Value(periodicotel.AttrJob)
	s := job.AsString()
	if o, ok := set.Value(periodicotel.AttrOutcome); ok {
		s += "/" + o.AsString()
	}
	return s
}

// buckets formats the non-empty buckets as le=count.
func buckets(bounds []float64, counts []uint64) string {
	var parts []string
	for i, n := range counts {
		if n == 0 {
			continue
		}
		le := "+Inf"
		if i < len(bounds) {
			le = fmt.Sprint(bounds[i])
		}
		parts = append(parts, fmt.Sprintf("le%s:%d", le, n))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// pointSets returns the attribute sets of m's data points.
func pointSets(m metricdata.Metrics) []attribute.Set {
	var out []attribute.Set
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes)
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes)
		}
	case metricdata.Gauge[float64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes)
		}
	}
	return out
}
