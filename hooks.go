package periodic

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// EventKind says what an Event reports.
type EventKind uint8

const (
	EventStart   EventKind = iota + 1 // a run is starting
	EventFinish                       // a run returned; Err says how
	EventSkip                         // a tick did not run; Err says why
	EventMisfire                      // ticks were missed; Missed says how many
	EventRetry                        // an attempt failed and will be retried
	EventPanic                        // a run panicked; Err is a *PanicError
)

// String returns the kind's name.
func (k EventKind) String() string {
	names := [...]string{"", "start", "finish", "skip", "misfire", "retry", "panic"}
	if int(k) < len(names) && k > 0 {
		return names[k]
	}
	return "unknown"
}

// Event is what the scheduler reports to Hooks and to its logger.
type Event struct {
	Kind     EventKind
	Job      string
	Tick     time.Time     // the scheduled tick
	Start    time.Time     // when the run started, or the misfire was seen
	Duration time.Duration // how long the run took (EventFinish)
	Attempt  int           // the attempt number (EventRetry, EventFinish)
	Missed   int           // ticks that did not run (EventMisfire)
	Err      error
}

// Hooks are functions the scheduler calls as runs start, finish, skip,
// misfire, retry and panic. Each may be nil. They are called one event at
// a time per run, on the run's goroutine or a goroutine of the scheduler,
// never with the scheduler's lock held; they should return quickly.
type Hooks struct {
	BeforeRun func(Event)
	AfterRun  func(Event)
	OnSkip    func(Event)
	OnMisfire func(Event)
	OnRetry   func(Event)
	OnPanic   func(Event)
}

// Stats counts what happened to a job's runs.
type Stats struct {
	Runs         int // runs that returned
	Successes    int
	Failures     int // returned an error, including cancellation and claims lost
	Skips        int // ticks skipped by the overlap policy or a full slot queue
	Misfires     int // ticks missed and not run
	InFlight     int // runs started and not returned
	LastDuration time.Duration
	LastError    error
}

// report passes e to its hook and to the logger.
func (s *Scheduler) report(e Event) {
	if fn := s.cfg.hooks.of(e.Kind); fn != nil {
		fn(e)
	}
	level := slog.LevelDebug
	switch {
	case e.Kind == EventPanic:
		level = slog.LevelError
	case e.Kind == EventMisfire, e.Kind == EventFinish && e.Err != nil && !isCancel(e.Err) && !errors.Is(e.Err, ErrClaimed):
		level = slog.LevelWarn
	}
	if !s.cfg.log.Enabled(context.Background(), level) {
		return
	}
	attrs := []slog.Attr{slog.String("job", e.Job), slog.Time("tick", e.Tick)}
	if e.Kind == EventFinish {
		attrs = append(attrs, slog.Duration("duration", e.Duration))
	}
	if e.Missed > 0 {
		attrs = append(attrs, slog.Int("missed", e.Missed))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("error", e.Err.Error()))
	}
	s.cfg.log.LogAttrs(context.Background(), level, "periodic: run "+e.Kind.String(), attrs...)
}

// goTracked runs fn on a goroutine of the scheduler.
func (s *Scheduler) goTracked(fn func()) {
	s.hold()
	go func() {
		defer s.release()
		fn()
	}()
}

// of returns the hook for kind.
func (h *Hooks) of(kind EventKind) func(Event) {
	switch kind {
	case EventStart:
		return h.BeforeRun
	case EventFinish:
		return h.AfterRun
	case EventSkip:
		return h.OnSkip
	case EventMisfire:
		return h.OnMisfire
	case EventRetry:
		return h.OnRetry
	case EventPanic:
		return h.OnPanic
	}
	return nil
}
