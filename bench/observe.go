package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/periodic-go/periodic"
	periodicotel "github.com/periodic-go/periodic/otel"
	periodicprom "github.com/periodic-go/periodic/prometheus"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// Observer is a way to watch a scheduler's runs whose cost is measured:
// Hooks are given to the scheduler; Close releases what it holds.
type Observer struct {
	Name  string
	Hooks func() (periodic.Hooks, func())
}

// Observers returns the variants measured by MeasureObserve, the
// reference ("none": no instrumentation) first. The OpenTelemetry ones
// use the SDK: spans go through a synchronous processor to an exporter
// that drops them, metrics to a manual reader that is never read, so the
// figures are the cost of making the data, not of shipping it.
func Observers() []Observer {
	return []Observer{
		{Name: "none", Hooks: func() (periodic.Hooks, func()) { return periodic.Hooks{}, func() {} }},
		{Name: "otel spans", Hooks: func() (periodic.Hooks, func()) {
			tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(dropSpans{}))
			return otelHooks(periodicotel.WithTracerProvider(tp), periodicotel.WithMeterProvider(noop.NewMeterProvider())),
				func() { _ = tp.Shutdown(context.Background()) }
		}},
		{Name: "otel metrics", Hooks: func() (periodic.Hooks, func()) {
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
			return otelHooks(periodicotel.WithTracerProvider(tracenoop.NewTracerProvider()), periodicotel.WithMeterProvider(mp)),
				func() { _ = mp.Shutdown(context.Background()) }
		}},
		{Name: "otel spans+metrics", Hooks: func() (periodic.Hooks, func()) {
			tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(dropSpans{}))
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
			return otelHooks(periodicotel.WithTracerProvider(tp), periodicotel.WithMeterProvider(mp)),
				func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) }
		}},
		{Name: "prometheus", Hooks: func() (periodic.Hooks, func()) {
			c, err := periodicprom.New()
			if err != nil {
				panic(err) // the default options are valid
			}
			return c.Hooks(), func() {}
		}},
	}
}

// otelHooks returns the hooks of a periodicotel.Instrumentation.
func otelHooks(opts ...periodicotel.Option) periodic.Hooks {
	in, err := periodicotel.New(opts...)
	if err != nil {
		panic(err) // the providers are not nil
	}
	return in.Hooks()
}

// dropSpans is a span exporter that drops every span.
type dropSpans struct{}

func (dropSpans) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (dropSpans) Shutdown(context.Context) error                             { return nil }

// Observed is the cost of one burst watched by an Observer.
type Observed struct {
	N            int
	CPUPerRun    time.Duration // process CPU from just before the tick until every run has ended
	AllocsPerRun float64
	BytesPerRun  float64
}

// MeasureObserve is measureObserve, retried with twice the period, up to
// three times, when a burst did not end in time.
func MeasureObserve(o Observer, n int, period time.Duration) (Observed, error) {
	got, err := measureObserve(o, n, period)
	for tries := 0; errors.Is(err, errLate) && tries < 3; tries++ {
		period *= 2
		got, err = measureObserve(o, n, period)
	}
	return got, err
}

// measureObserve schedules n jobs every period with o's hooks, all due at
// the same instants, each doing nothing. The first burst warms up (it
// makes each job's series and attribute sets); then it measures the
// process CPU from 20 ms before the second burst until every run of it
// has returned and its AfterRun hooks (o's, then a counter's) have run.
// A burst must end within the period.
func measureObserve(o Observer, n int, period time.Duration) (Observed, error) {
	runtime.GC()
	hooks, closeHooks := o.Hooks()
	defer closeHooks()
	var ended atomic.Int64
	bursts := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	count := periodic.Hooks{AfterRun: func(periodic.Event) {
		switch ended.Add(1) {
		case int64(n):
			close(bursts[0])
		case int64(2 * n):
			close(bursts[1])
		}
	}}
	s := periodic.New(periodic.WithHooks(hooks), periodic.WithHooks(count), periodic.WithLogger(slog.New(slog.DiscardHandler)))
	defer func() { _ = s.Shutdown(context.Background()) }()
	first := time.Now().Add(period)
	for range n {
		if _, err := periodic.Schedule(s, periodic.Every(period), nothing, periodic.WithStartAt(first.Add(-period))); err != nil {
			return Observed{}, err
		}
	}
	s.Start()
	if err := waitBurst(bursts[0], o, &ended, n); err != nil {
		return Observed{}, err
	}
	second := first.Add(period)
	if time.Until(second) < 50*time.Millisecond {
		return Observed{}, fmt.Errorf("%w: %s: the first burst of %d runs did not end 50 ms before the second, %v later",
			errLate, o.Name, n, period)
	}
	time.Sleep(time.Until(second) - 20*time.Millisecond)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	c0 := CPUTime()
	if err := waitBurst(bursts[1], o, &ended, 2*n); err != nil {
		return Observed{}, err
	}
	c1 := CPUTime()
	runtime.ReadMemStats(&m1)
	return Observed{
		N: n, CPUPerRun: (c1 - c0) / time.Duration(n),
		AllocsPerRun: float64(m1.Mallocs-m0.Mallocs) / float64(n),
		BytesPerRun:  float64(m1.TotalAlloc-m0.TotalAlloc) / float64(n),
	}, nil
}

// waitBurst waits until done closes, or fails after a minute.
func waitBurst(done <-chan struct{}, o Observer, ended *atomic.Int64, want int) error {
	select {
	case <-done:
		return nil
	case <-time.After(time.Minute):
		return fmt.Errorf("%s: %d of %d runs ended after a minute", o.Name, ended.Load(), want)
	}
}

// nothing is a job that does nothing.
func nothing(context.Context) (struct{}, error) { return struct{}{}, nil }
