package periodicotel_test

import (
	"context"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	periodicotel "github.com/periodic-go/periodic/otel"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// dropSpans is a span exporter that drops every span.
type dropSpans struct{}

func (dropSpans) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (dropSpans) Shutdown(context.Context) error                             { return nil }

// BenchmarkHooks calls the hooks of one run (RunContext, BeforeRun,
// AfterRun) the way the scheduler does, with the SDK's providers: the
// instrumentation's own cost per run, without the scheduler's. The spans
// go to an exporter that drops them, the metrics to a reader never read.
// bench/cmd/observe measures the same inside a scheduler's burst.
func BenchmarkHooks(b *testing.B) {
	variants := []struct {
		name string
		opts func(b *testing.B) []periodicotel.Option
	}{
		{"spans", func(b *testing.B) []periodicotel.Option {
			tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(dropSpans{}))
			b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
			return []periodicotel.Option{periodicotel.WithTracerProvider(tp), periodicotel.WithMeterProvider(metricnoop.NewMeterProvider())}
		}},
		{"metrics", func(b *testing.B) []periodicotel.Option {
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
			b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
			return []periodicotel.Option{periodicotel.WithTracerProvider(tracenoop.NewTracerProvider()), periodicotel.WithMeterProvider(mp)}
		}},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			in, err := periodicotel.New(v.opts(b)...)
			if err != nil {
				b.Fatal(err)
			}
			h := in.Hooks()
			start := periodic.Event{Kind: periodic.EventStart, Job: "job", Tick: t0, Start: t0.Add(time.Millisecond)}
			b.ReportAllocs()
			for b.Loop() {
				ctx := h.RunContext(context.Background(), start)
				e := start
				e.Context = ctx
				h.BeforeRun(e)
				e.Kind, e.Duration, e.Attempt = periodic.EventFinish, time.Second, 1
				h.AfterRun(e)
			}
		})
	}
}
