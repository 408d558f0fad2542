package periodicotel_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"
)

// TestSpanPerRun checks the span of each run on the mock clock: name,
// exact start and end, attributes, the retry as an event at the failure,
// a failure and a panic as exception events with the status Error, and a
// span the job starts from its context as the run span's child.
func TestSpanPerRun(t *testing.T) {
	e := newEnv(t)
	tracer := e.tp.Tracer("job")
	_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		ctx, child := tracer.Start(ctx, "query", trace.WithTimestamp(e.s.Now()))
		defer func() { child.End(trace.WithTimestamp(e.s.Now())) }()
		return 0, periodic.Sleep(ctx, 3*time.Second)
	}, periodic.WithName("work"), periodic.WithLimit(1))
	require.NoError(t, err)
	_, err = periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		if periodic.Attempt(ctx) == 1 {
			return 0, errBoom
		}
		return 2, nil
	}, periodic.WithName("flaky"), periodic.WithLimit(1), periodic.WithRetry(periodic.Retry{Retries: 1, Initial: 2 * time.Second}))
	require.NoError(t, err)
	_, err = periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		return 0, errors.Join(periodic.Sleep(ctx, time.Second), errors.New("disk full"))
	}, periodic.WithName("broken"), periodic.WithLimit(1))
	require.NoError(t, err)
	_, err = periodic.Schedule(e.s, periodic.Every(10*time.Second), func(context.Context) (int, error) {
		panic("kaboom")
	}, periodic.WithName("panics"), periodic.WithLimit(1))
	require.NoError(t, err)
	e.s.Start()
	e.advance(15 * time.Second)

	require.Equal(t, []string{
		"run panics 10s-10s internal {error.type=failed periodic.job.name=panics periodic.run.attempt=1 periodic.run.outcome=failed periodic.run.start_lateness=0 periodic.run.tick=10s} status=Error: periodic: panic: kaboom",
		"  exception at 10s {exception.message=periodic: panic: kaboom exception.stacktrace=<stack> exception.type=*periodic.PanicError}",
		"run broken 10s-11s internal {error.type=failed periodic.job.name=broken periodic.run.attempt=1 periodic.run.outcome=failed periodic.run.start_lateness=0 periodic.run.tick=10s} status=Error: disk full",
		"  exception at 11s {exception.message=disk full exception.type=*errors.joinError}",
		"run flaky 10s-12s internal {periodic.job.name=flaky periodic.run.attempt=2 periodic.run.outcome=succeeded periodic.run.start_lateness=0 periodic.run.tick=10s} status=Unset",
		"  periodic.retry at 10s {exception.message=boom periodic.run.attempt=1}",
		"query 10s-13s internal {} status=Unset",
		"run work 10s-13s internal {periodic.job.name=work periodic.run.attempt=1 periodic.run.outcome=succeeded periodic.run.start_lateness=0 periodic.run.tick=10s} status=Unset",
	}, e.ended())

	spans := e.spans.Ended()
	query, work := spans[len(spans)-2], spans[len(spans)-1]
	require.Equal(t, work.SpanContext().TraceID(), query.SpanContext().TraceID())
	require.Equal(t, work.SpanContext().SpanID(), query.Parent().SpanID())
	require.False(t, work.Parent().IsValid()) // a tick's run is a root
}

// TestBackfillSpansAreChildren checks that the runs of a Backfill are
// children of the span in the context given to it, each with its past
// tick, marked periodic.run.backfill, and with no lateness: neither on
// the span nor in the start lateness histogram, which keeps the ticks'.
func TestBackfillSpansAreChildren(t *testing.T) {
	e := newEnv(t)
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), sleeper(time.Second), periodic.WithName("bf"))
	require.NoError(t, err)
	e.s.Start()
	e.advance(35 * time.Second) // ticks 10, 20, 30 ran
	e.spans.Reset()
	ctx, parent := e.tp.Tracer("admin").Start(context.Background(), "backfill")
	_, err = job.Backfill(ctx, t0, t0.Add(20*time.Second)) // ticks 0 and 10 s, one after the other
	require.NoError(t, err)
	e.advance(2 * time.Second)
	parent.End()

	var lines []string
	for _, s := range e.spans.Ended() {
		if s.Name() == "run bf" {
			require.Equal(t, parent.SpanContext().SpanID(), s.Parent().SpanID())
			require.Equal(t, parent.SpanContext().TraceID(), s.SpanContext().TraceID())
			lines = append(lines, spanLines(s)...)
		}
	}
	require.Equal(t, []string{
		"run bf 35s-36s internal {periodic.job.name=bf periodic.run.attempt=1 periodic.run.backfill=true periodic.run.outcome=succeeded periodic.run.tick=0s} status=Unset",
		"run bf 36s-37s internal {periodic.job.name=bf periodic.run.attempt=1 periodic.run.backfill=true periodic.run.outcome=succeeded periodic.run.tick=10s} status=Unset",
	}, lines)
	require.Equal(t, []string{"bf count=3 sum=0 min=0 max=0 buckets=[le0.005:3]"}, e.points("periodic.run.start_lateness"))
	require.Equal(t, []string{"bf/succeeded count=5 sum=5 min=1 max=1 buckets=[le1:5]"}, e.points("periodic.run.duration"))
}
