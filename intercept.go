package periodic

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// This file is the seam for instrumentation (tracing, metrics, pprof
// labels): Hooks.RunContext puts values in a run's context before the job
// sees it, Event.Context hands the run's context to the hooks, and
// WithHooks given several times calls every set of hooks. Unused, it costs
// a nil check per run.

// withRunContext lets the RunContext hook give the run's context its
// values, before the run is reported started and its tick claimed. It runs
// on the run's goroutine before anything else holds the run's context, so
// nothing reads parent while it changes. A hook that panics or returns nil
// leaves the run's values as they were; the panic is logged.
//
//go:noinline
func (r *runBase) withRunContext(job string, start time.Time) {
	fn := r.s.cfg.hooks.RunContext
	values := r.callRunContext(fn, Event{Kind: EventStart, Job: job, Tick: r.tick, Start: start})
	if values != nil {
		r.parent = valuesFrom{Context: r.parent, values: values}
	}
}

// callRunContext calls fn, recovering a panic.
func (r *runBase) callRunContext(fn func(context.Context, Event) context.Context, e Event) (ctx context.Context) {
	defer func() {
		if v := recover(); v != nil {
			ctx = nil
			r.s.logPanic("periodic: RunContext hook panicked", e, v)
		}
	}()
	return fn(r.parent, e)
}

// logPanic logs the panic v of a hook at Error, stamped by the scheduler's
// clock, with the job and tick of e, the value and the stack.
func (s *Scheduler) logPanic(msg string, e Event, v any) {
	h := s.cfg.log.Handler()
	if !h.Enabled(context.Background(), slog.LevelError) {
		return
	}
	rec := slog.NewRecord(s.Now(), slog.LevelError, msg, 0)
	rec.AddAttrs(slog.String("job", e.Job), slog.Time("tick", e.Tick), slog.String("error", fmt.Sprint(v)),
		slog.String("stack", string(newPanicError(v).Stack)))
	_ = h.Handle(context.Background(), rec)
}

// valuesFrom is a run's parent context whose values come from another
// context: cancellation and the deadline stay the parent's.
type valuesFrom struct {
	context.Context
	values context.Context
}

// Value returns the value of key in the values context.
func (v valuesFrom) Value(key any) any { return v.values.Value(key) }

// joinHooks returns hooks that call a's hooks, then b's. A RunContext of
// b sees the context a's returned.
func joinHooks(a, b Hooks) Hooks {
	return Hooks{
		BeforeRun:  both(a.BeforeRun, b.BeforeRun),
		AfterRun:   both(a.AfterRun, b.AfterRun),
		OnSkip:     both(a.OnSkip, b.OnSkip),
		OnMisfire:  both(a.OnMisfire, b.OnMisfire),
		OnRetry:    both(a.OnRetry, b.OnRetry),
		OnPanic:    both(a.OnPanic, b.OnPanic),
		RunContext: chainContext(a.RunContext, b.RunContext),
	}
}

// both returns a function calling f, then g; either may be nil.
func both(f, g func(Event)) func(Event) {
	switch {
	case f == nil:
		return g
	case g == nil:
		return f
	}
	return func(e Event) { f(e); g(e) }
}

// chainContext returns a RunContext hook passing f's context to g; either
// may be nil, and a nil context from f leaves g the one f was given.
func chainContext(f, g func(context.Context, Event) context.Context) func(context.Context, Event) context.Context {
	switch {
	case f == nil:
		return g
	case g == nil:
		return f
	}
	return func(ctx context.Context, e Event) context.Context {
		if c := f(ctx, e); c != nil {
			ctx = c
		}
		return g(ctx, e)
	}
}
