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
// WithHooks given several times calls every set of hooks, each recovered
// on its own. Unused, it costs a length check per event.

// withRunContext lets the RunContext hooks give the run's context its
// values, before the run is reported started and its tick claimed. It runs
// on the run's goroutine before anything else holds the run's context, so
// nothing reads parent while it changes. Each set's hook gets the context
// the one before returned; one that panics or returns nil leaves the
// values as they were before it (the panic is logged), and the next goes
// on from there.
//
//go:noinline
func (r *runBase) withRunContext(job string, start time.Time, backfill bool) {
	values, changed := r.parent, false // not values != r.parent: a caller's context type may not be comparable
	for i := range r.s.cfg.hooks {
		fn := r.s.cfg.hooks[i].RunContext
		if fn == nil {
			continue
		}
		e := Event{Kind: EventStart, Job: job, Tick: r.tick, Start: start, Backfill: backfill}
		if c := r.callRunContext(fn, values, e); c != nil {
			values, changed = c, true
		}
	}
	if changed {
		r.parent = valuesFrom{Context: r.parent, values: values}
	}
}

// callRunContext calls fn with ctx, recovering a panic.
func (r *runBase) callRunContext(fn func(context.Context, Event) context.Context, ctx context.Context, e Event) (got context.Context) {
	defer func() {
		if v := recover(); v != nil {
			got = nil
			r.s.logPanic("periodic: RunContext hook panicked", "", e, v)
		}
	}()
	return fn(ctx, e)
}

// logPanic logs the panic v of a hook at Error, stamped by the scheduler's
// clock, with the hook's name (when not ""), the job and tick of e, the
// value and the stack.
func (s *Scheduler) logPanic(msg, hook string, e Event, v any) {
	h := s.cfg.log.Handler()
	if !h.Enabled(context.Background(), slog.LevelError) {
		return
	}
	rec := slog.NewRecord(s.Now(), slog.LevelError, msg, 0)
	if hook != "" {
		rec.AddAttrs(slog.String("hook", hook))
	}
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
