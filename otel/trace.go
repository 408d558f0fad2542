package periodicotel

import (
	"context"
	"errors"
	"time"

	"github.com/periodic-go/periodic"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// startSpan is the RunContext hook: it starts the run's span, named
// "run <job>", at the run's start on the scheduler's clock, as a child of
// whatever span ctx holds (none for ticks; the caller's for a Backfill).
// The lateness is set at the end, once the claim is known to be won.
func (in *Instrumentation) startSpan(ctx context.Context, e periodic.Event) context.Context {
	a := in.job(e.Job)
	attrs := make([]attribute.KeyValue, 0, 4)
	attrs = append(attrs, a.name, AttrTick.String(e.Tick.UTC().Format(time.RFC3339Nano)))
	if in.sched.Key != "" {
		attrs = append(attrs, in.sched)
	}
	if e.Backfill {
		attrs = append(attrs, AttrBackfill.Bool(true))
	}
	ctx, _ = in.tracer.Start(ctx, a.span,
		trace.WithTimestamp(e.Start),
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attrs...))
	return ctx
}

// retryEvent is the name of the span event of a failed attempt that will
// be retried.
const retryEvent = "periodic.retry"

// retried is the OnRetry hook: an event on the run's span, at the time of
// the failure, with the failed attempt's number and error.
func (in *Instrumentation) retried(e periodic.Event) {
	span := trace.SpanFromContext(e.Context)
	if !span.IsRecording() {
		return
	}
	span.AddEvent(retryEvent, trace.WithTimestamp(e.Start), trace.WithAttributes(
		AttrAttempt.Int(e.Attempt),
		attribute.String("exception.message", e.Err.Error())))
}

// endSpan ends the run's span at the run's end: with the outcome, the last
// attempt when one ran, the start lateness unless the run is a Backfill's
// or lost its claim, and, for a failure, the error as an exception event
// (with the stack of a panic) and the status Error. A cancelled run or a
// tick claimed elsewhere is not an error.
func endSpan(e periodic.Event, o int) {
	span := trace.SpanFromContext(e.Context)
	if !span.IsRecording() {
		return
	}
	end := e.Start.Add(e.Duration)
	attrs := make([]attribute.KeyValue, 0, 4)
	attrs = append(attrs, AttrOutcome.String(outcomes[o]))
	if e.Attempt > 0 {
		attrs = append(attrs, AttrAttempt.Int(e.Attempt))
	}
	if countsLateness(e, o) {
		attrs = append(attrs, AttrLateness.Float64(e.Start.Sub(e.Tick).Seconds()))
	}
	if o != outFailed && o != outStoreError {
		span.SetAttributes(attrs...)
		span.End(trace.WithTimestamp(end))
		return
	}
	span.SetAttributes(append(attrs, attribute.String("error.type", outcomes[o]))...)
	opts := []trace.EventOption{trace.WithTimestamp(end)}
	if pe := (*periodic.PanicError)(nil); errors.As(e.Err, &pe) {
		opts = append(opts, trace.WithAttributes(attribute.String("exception.stacktrace", string(pe.Stack))))
	}
	span.RecordError(e.Err, opts...)
	span.SetStatus(codes.Error, e.Err.Error())
	span.End(trace.WithTimestamp(end))
}
