package periodic_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// logRecorder is a slog.Handler that keeps each record as a line: its
// time and tick as offsets from t0, its level, message and attributes.
type logRecorder struct {
	mu     sync.Mutex
	lines  []string
	stacks []string
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logRecorder) WithGroup(string) slog.Handler            { return h }

func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", sec(r.Time), r.Level, r.Message)
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "tick":
			fmt.Fprintf(&b, " tick=%s", sec(a.Value.Time()))
		case "stack":
			h.mu.Lock()
			h.stacks = append(h.stacks, a.Value.String())
			h.mu.Unlock()
			b.WriteString(" stack=...")
		default:
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		}
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lines = append(h.lines, b.String())
	return nil
}

// take returns the lines so far and clears them.
func (h *logRecorder) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.lines
	h.lines = nil
	return l
}

// TestLogRecords checks the records of runs, failures, panics and
// misfires: levels, messages, attributes, and times on the scheduler's
// clock.
func TestLogRecords(t *testing.T) {
	h := &logRecorder{}
	e := newEnv(t, quiet, periodic.WithLogger(slog.New(h)))
	_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		switch periodic.TickFrom(ctx).Sub(t0) {
		case 20 * time.Second:
			return 0, errors.Join(periodic.Sleep(ctx, time.Second), errBoom)
		case 30 * time.Second:
			panic("kaboom")
		}
		return 1, periodic.Sleep(ctx, 2*time.Second)
	}, periodic.WithName("j"))
	require.NoError(t, err)
	e.s.Start()
	e.advance(35 * time.Second)
	e.jump(30 * time.Second) // to 65 s over ticks 40, 50 and 60
	e.advance(4 * time.Second)
	require.Equal(t, []string{
		"10s DEBUG periodic: run started job=j tick=10s",
		"12s DEBUG periodic: run finished job=j tick=10s duration=2s",
		"20s DEBUG periodic: run started job=j tick=20s",
		"21s WARN periodic: run failed job=j tick=20s duration=1s error=boom",
		"30s DEBUG periodic: run started job=j tick=30s",
		"30s ERROR periodic: run panicked job=j tick=30s duration=0s error=periodic: panic: kaboom stack=...",
		"30s WARN periodic: run failed job=j tick=30s duration=0s error=periodic: panic: kaboom",
		"65s WARN periodic: ticks misfired job=j tick=40s missed=3 dropped=2",
		"65s DEBUG periodic: run started job=j tick=60s",
		"67s DEBUG periodic: run finished job=j tick=60s duration=2s",
	}, h.take())
	require.Len(t, h.stacks, 1)
	require.Contains(t, h.stacks[0], "TestLogRecords")
}

// TestLogRetrySkipCancel checks the records of retries, skipped ticks and
// cancelled runs.
func TestLogRetrySkipCancel(t *testing.T) {
	h := &logRecorder{}
	e := newEnv(t, quiet, periodic.WithLogger(slog.New(h)))
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		if periodic.Attempt(ctx) == 1 {
			return 0, errBoom
		}
		return 2, periodic.Sleep(ctx, 10*time.Second)
	}, periodic.WithName("r"), periodic.WithOverlap(periodic.OverlapSkip),
		periodic.WithRetry(periodic.Retry{Retries: 1, Initial: 5 * time.Second}))
	require.NoError(t, err)
	e.s.Start()
	e.advance(32 * time.Second)
	require.True(t, job.Last().Cancel()) // the 30 s run, waiting to retry
	e.advance(0)
	require.Equal(t, []string{
		"10s DEBUG periodic: run started job=r tick=10s",
		"10s WARN periodic: attempt failed, retrying job=r tick=10s attempt=1 error=boom",
		`20s DEBUG periodic: tick skipped job=r tick=20s error=periodic: tick skipped: job "r" tick 2026-01-01T00:00:20Z: a run is in flight`,
		"25s DEBUG periodic: run finished job=r tick=10s duration=15s attempt=2",
		"30s DEBUG periodic: run started job=r tick=30s",
		"30s WARN periodic: attempt failed, retrying job=r tick=30s attempt=1 error=boom",
		"32s DEBUG periodic: run cancelled job=r tick=30s duration=2s error=periodic: cancelled: context canceled",
	}, h.take())
}

// hookLog records the events passed to each hook.
type hookLog struct {
	mu     sync.Mutex
	events map[string][]periodic.Event
}

// hooks returns Hooks that record into l.
func (l *hookLog) hooks() periodic.Hooks {
	l.events = make(map[string][]periodic.Event)
	rec := func(name string) func(periodic.Event) {
		return func(ev periodic.Event) {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.events[name] = append(l.events[name], ev)
		}
	}
	return periodic.Hooks{BeforeRun: rec("before"), AfterRun: rec("after"), OnSkip: rec("skip"),
		OnMisfire: rec("misfire"), OnRetry: rec("retry"), OnPanic: rec("panic")}
}

// get returns the events of the named hook.
func (l *hookLog) get(name string) []periodic.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.events[name]
}

// TestHooksAndStats runs a retry, a skip, a panic and a misfire and checks
// each hook's calls, field by field, and the job's Stats along the way.
func TestHooksAndStats(t *testing.T) {
	var l hookLog
	e := newEnv(t, quiet, periodic.WithHooks(l.hooks()))
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		switch {
		case periodic.TickFrom(ctx).Equal(at(30)):
			panic("kaboom")
		case periodic.TickFrom(ctx).After(at(30)):
			return 3, nil
		case periodic.Attempt(ctx) == 1:
			return 0, errBoom
		}
		return 1, periodic.Sleep(ctx, 15*time.Second)
	}, periodic.WithName("h"), periodic.WithOverlap(periodic.OverlapSkip),
		periodic.WithRetry(periodic.Retry{Retries: 1, Initial: time.Second}))
	require.NoError(t, err)
	e.s.Start()
	e.advance(20 * time.Second)
	require.Equal(t, periodic.Stats{Skips: 1, Retries: 1, InFlight: 1}, job.Stats())
	e.advance(15 * time.Second) // to 35 s
	e.jump(30 * time.Second)    // to 65 s
	st := job.Stats()
	require.Equal(t, periodic.Stats{Runs: 3, Successes: 2, Failures: 1, Skips: 1, Misfires: 3, Retries: 1, Dropped: 2}, st)

	ev := func(kind periodic.EventKind, tick, start float64) periodic.Event {
		return periodic.Event{Kind: kind, Job: "h", Tick: at(tick), Start: at(start)}
	}
	want := map[string][]periodic.Event{
		"before":  {ev(periodic.EventStart, 10, 10), ev(periodic.EventStart, 30, 30), ev(periodic.EventStart, 60, 65)},
		"retry":   {ev(periodic.EventRetry, 10, 10)},
		"skip":    {ev(periodic.EventSkip, 20, 20)},
		"misfire": {ev(periodic.EventMisfire, 40, 65)},
		"after":   {ev(periodic.EventFinish, 10, 10), ev(periodic.EventFinish, 30, 30), ev(periodic.EventFinish, 60, 65)},
		"panic":   {ev(periodic.EventPanic, 30, 30)},
	}
	want["retry"][0].Attempt, want["retry"][0].Err = 1, errBoom
	want["misfire"][0].Missed, want["misfire"][0].Dropped = 3, 2 // of the late 40, 50 and 60 s ticks, only the 60 s one runs
	want["after"][0].Duration, want["after"][0].Attempt = 16*time.Second, 2
	want["after"][1].Attempt, want["after"][2].Attempt = 1, 1
	for name, evs := range want {
		got := l.get(name)
		require.Len(t, got, len(evs), name)
		for i, w := range evs {
			g := got[i]
			require.True(t, w.Tick.Equal(g.Tick) && w.Start.Equal(g.Start), "%s %d: %+v", name, i, g)
			if name == "skip" || name == "misfire" {
				require.Nil(t, g.Context, "%s %d", name, i)
			} else { // the run's own context
				require.True(t, periodic.TickFrom(g.Context).Equal(g.Tick), "%s %d", name, i)
				g.Context = nil
			}
			w.Tick, w.Start, g.Tick, g.Start = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if name == "skip" || name == "panic" || name == "after" && i == 1 {
				require.Error(t, g.Err)
				w.Err, g.Err = nil, nil
			}
			require.Equal(t, w, g, "%s %d", name, i)
		}
	}
	require.ErrorIs(t, l.get("skip")[0].Err, periodic.ErrSkipped)
	var pe *periodic.PanicError
	require.ErrorAs(t, l.get("panic")[0].Err, &pe)
	require.Equal(t, "kaboom", pe.Value)
	require.ErrorAs(t, l.get("after")[1].Err, &pe)
}

// TestStatsCancelAndTimeout checks Stats through a success, a timeout and
// a cancelled RunNow, and LastError and LastDuration after each.
func TestStatsCancelAndTimeout(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		d := 2 * time.Second
		if periodic.TickFrom(ctx).Equal(at(20)) {
			d = time.Minute
		}
		return 0, periodic.Sleep(ctx, d)
	}, periodic.WithTimeout(5*time.Second), periodic.WithLimit(2))
	require.NoError(t, err)
	e.s.Start()
	e.advance(12 * time.Second)
	require.Equal(t, periodic.Stats{Runs: 1, Successes: 1, LastDuration: 2 * time.Second}, job.Stats())
	e.advance(10 * time.Second) // to 22 s: the 20 s run is in flight
	require.Equal(t, 1, job.Stats().InFlight)
	e.advance(3 * time.Second)
	st := job.Stats()
	require.ErrorIs(t, st.LastError, context.DeadlineExceeded)
	st.LastError = nil
	require.Equal(t, periodic.Stats{Runs: 2, Successes: 1, Failures: 1, LastDuration: 5 * time.Second}, st)
	f := job.RunNow()
	e.advance(time.Second)
	require.True(t, f.Cancel())
	e.advance(0)
	st = job.Stats()
	require.ErrorIs(t, st.LastError, context.Canceled)
	st.LastError = nil
	require.Equal(t, periodic.Stats{Runs: 3, Successes: 1, Failures: 1, Cancellations: 1, LastDuration: time.Second}, st)
}

// TestJobsAndRemoveByTag checks the listing of jobs and removal by tag.
func TestJobsAndRemoveByTag(t *testing.T) {
	e := newEnv(t, quiet)
	ok := func(context.Context) (int, error) { return 0, nil }
	_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), ok, periodic.WithName("a"), periodic.WithTags("db", "nightly"))
	require.NoError(t, err)
	b, err := periodic.Schedule(e.s, periodic.Every(15*time.Second), ok, periodic.WithName("b"), periodic.WithTags("web"))
	require.NoError(t, err)
	_, err = periodic.Schedule(e.s, periodic.Every(20*time.Second), ok, periodic.WithTags("db"))
	require.NoError(t, err)
	e.s.Start()
	e.advance(10 * time.Second)
	b.Pause()
	infos := e.s.Jobs()
	require.Len(t, infos, 3)
	for i, want := range []struct {
		name   string
		tags   []string
		next   time.Time
		paused bool
		runs   int
	}{{"a", []string{"db", "nightly"}, at(20), false, 1}, {"b", []string{"web"}, time.Time{}, true, 0}, {"job-3", []string{"db"}, at(20), false, 0}} {
		require.Equal(t, want.name, infos[i].Name)
		require.Equal(t, want.tags, infos[i].Tags)
		require.True(t, want.next.Equal(infos[i].NextRun), infos[i].NextRun)
		require.Equal(t, want.paused, infos[i].Paused)
		require.Equal(t, want.runs, infos[i].Stats.Runs)
	}
	require.Equal(t, 2, e.s.RemoveByTag("db"))
	require.Equal(t, 0, e.s.RemoveByTag("db"))
	infos = e.s.Jobs()
	require.Len(t, infos, 1)
	require.Equal(t, "b", infos[0].Name)
	_, err = periodic.Schedule(e.s, periodic.Every(time.Second), ok, periodic.WithName("a"))
	require.NoError(t, err, "a removed job's name is free")
}
