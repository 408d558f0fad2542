package periodicotel_test

import (
	"context"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/periodic-go/periodic"
	periodicotel "github.com/periodic-go/periodic/otel"
	"github.com/periodic-go/periodic/periodictest"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Example traces and counts the runs of a job every 10 s that takes 3 s,
// on a mock clock, with the SDK's in-memory span recorder and a manual
// metric reader standing in for real exporters. The job's own span is a
// child of its run's.
func Example() {
	ctx := context.Background()
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	tel, err := periodicotel.New(periodicotel.WithTracerProvider(tp), periodicotel.WithMeterProvider(mp))
	if err != nil {
		panic(err)
	}

	m := clock.NewMock()
	m.Set(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := periodic.New(periodic.WithClock(m), periodic.WithHooks(tel.Hooks()))
	reg, err := tel.Observe(s)
	if err != nil {
		panic(err)
	}
	defer func() { _ = reg.Unregister() }()
	_, err = periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		_, span := tp.Tracer("report").Start(ctx, "render")
		defer span.End()
		return 3, periodic.Sleep(ctx, 3*time.Second)
	}, periodic.WithName("report"))
	if err != nil {
		panic(err)
	}
	s.Start()
	_ = periodictest.Advance(ctx, s, m, 25*time.Second)
	_ = s.Shutdown(ctx)

	for _, span := range spans.Ended() {
		if span.Name() == "run report" {
			fmt.Printf("%s %s-%s\n", span.Name(), span.StartTime().Format("15:04:05"), span.EndTime().Format("15:04:05"))
		} else {
			fmt.Printf("  %s, child of its run: %v\n", span.Name(), span.Parent().IsValid())
		}
	}
	var rm metricdata.ResourceMetrics
	_ = reader.Collect(ctx, &rm)
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "periodic.run.count" {
			outcome, _ := sum.DataPoints[0].Attributes.Value(periodicotel.AttrOutcome)
			fmt.Printf("%s %s: %d\n", m.Name, outcome.AsString(), sum.DataPoints[0].Value)
		}
	}
	_ = tp.Shutdown(ctx)
	_ = mp.Shutdown(ctx)
	// Output:
	//   render, child of its run: true
	// run report 00:00:10-00:00:13
	//   render, child of its run: true
	// run report 00:00:20-00:00:23
	// periodic.run.count succeeded: 2
}
