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
func (in *Instrumentation) startSpan(ctx context.Context, e periodic.Event) context.Context {
	a := in.job(e.Job)
	ctx, _ = in.tracer.Start(ctx, a.span,
		trace.WithTimestamp(e.Start),
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(a.name,
			AttrTick.String(e.Tick.UTC().Format(time.RFC3339Nano)),
			AttrLateness.Float64(e.Start.Sub(e.Tick).Seconds())))
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

// endSpan ends the run's span at the run's end: with the last attempt and
// the outcome, and, for a failure, the error as an exception event (with
// the stack of a panic) and the status Error. A cancelled run or a tick
// claimed elsewhere is not an error.
func endSpan(e periodic.Event, outcome string) {
	span := trace.SpanFromContext(e.Context)
	if !span.IsRecording() {
		return
	}
	end := e.Start.Add(e.Duration)
	if outcome != "failed" && outcome != "store_error" {
		span.SetAttributes(AttrAttempt.Int(e.Attempt), AttrOutcome.String(outcome))
		span.End(trace.WithTimestamp(end))
		return
	}
	span.SetAttributes(AttrAttempt.Int(e.Attempt), AttrOutcome.String(outcome), attribute.String("error.type", outcome))
	opts := []trace.EventOption{trace.WithTimestamp(end)}
	if pe := (*periodic.PanicError)(nil); errors.As(e.Err, &pe) {
		opts = append(opts, trace.WithAttributes(attribute.String("exception.stacktrace", string(pe.Stack))))
	}
	span.RecordError(e.Err, opts...)
	span.SetStatus(codes.Error, e.Err.Error())
	span.End(trace.WithTimestamp(end))
}
