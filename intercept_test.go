package periodic_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
	"github.com/stretchr/testify/require"
)

// traceKey is the context key the tests' RunContext hooks set.
type traceKey struct{ name string }

// seen records where a value of the run's context was found, in order.
type seen struct {
	mu    sync.Mutex
	lines []string
}

func (s *seen) add(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, fmt.Sprintf(format, args...))
}

func (s *seen) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.lines
	s.lines = nil
	return l
}

// spyLocker claims through a periodictest.Locker and records the value of
// key in the context of each claim.
type spyLocker struct {
	*periodictest.Locker
	seen *seen
	key  traceKey
}

func (l spyLocker) Claim(ctx context.Context, job string, tick time.Time) (periodic.Lease, error) {
	l.seen.add("claim %s: %v", sec(tick), ctx.Value(l.key))
	return l.Locker.Claim(ctx, job, tick)
}

// TestRunContextReachesEverything checks that the values the RunContext
// hook puts in a run's context reach the Locker's claim, the job's
// function (which still has its tick and attempt), and the run's later
// hooks through Event.Context, and that the hook sees the run's start
// event with exact times.
func TestRunContextReachesEverything(t *testing.T) {
	var got seen
	key := traceKey{"span"}
	hooks := periodic.Hooks{
		RunContext: func(ctx context.Context, e periodic.Event) context.Context {
			require.Nil(t, e.Context)
			require.True(t, periodic.TickFrom(ctx).IsZero()) // the parent, not the run
			got.add("context %s %s tick %s start %s", e.Kind, e.Job, sec(e.Tick), sec(e.Start))
			return context.WithValue(ctx, key, "span@"+sec(e.Tick))
		},
		BeforeRun: func(e periodic.Event) { got.add("before: %v", e.Context.Value(key)) },
		OnRetry:   func(e periodic.Event) { got.add("retry %d: %v", e.Attempt, e.Context.Value(key)) },
		AfterRun:  func(e periodic.Event) { got.add("after: %v", e.Context.Value(key)) },
	}
	e := newEnv(t, quiet, periodic.WithHooks(hooks),
		periodic.WithLocker(spyLocker{Locker: periodictest.NewLocker(), seen: &got, key: key}))
	_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		got.add("job tick %s attempt %d: %v", sec(periodic.TickFrom(ctx)), periodic.Attempt(ctx), ctx.Value(key))
		if periodic.Attempt(ctx) == 1 {
			return 0, errBoom
		}
		return 1, nil
	}, periodic.WithName("j"), periodic.WithRetry(periodic.Retry{Retries: 1, Initial: time.Second}))
	require.NoError(t, err)
	e.s.Start()
	e.advance(11 * time.Second)
	require.Equal(t, []string{
		"context start j tick 10s start 10s",
		"before: span@10s",
		"claim 10s: span@10s",
		"job tick 10s attempt 1: span@10s",
		"retry 1: span@10s",
		"job tick 10s attempt 2: span@10s",
		"after: span@10s",
	}, got.take())
}

// TestRunContextKeepsTheRunsLife checks that only values come from the
// hook's context: a cancelled context with no deadline leaves the run
// alive, with its own timeout, cancellable by its future.
func TestRunContextKeepsTheRunsLife(t *testing.T) {
	key := traceKey{"v"}
	hooks := periodic.Hooks{RunContext: func(ctx context.Context, _ periodic.Event) context.Context {
		done, cancel := context.WithCancel(context.WithValue(ctx, key, "v"))
		cancel()
		return done
	}}
	e := newEnv(t, quiet, periodic.WithHooks(hooks))
	job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(ctx context.Context) (string, error) {
		deadline, ok := ctx.Deadline()
		e.printf("err %v deadline %s %v value %v", ctx.Err(), sec(deadline), ok, ctx.Value(key))
		return "slept", periodic.Sleep(ctx, 10*time.Second)
	}, periodic.WithName("j"), periodic.WithTimeout(time.Minute))
	require.NoError(t, err)
	e.s.Start()
	f := job.RunNow()
	e.advance(10 * time.Second)
	v, err := f.Result()
	require.NoError(t, err)
	require.Equal(t, "slept", v)
	require.Equal(t, []string{"  0s err <nil> deadline 60s true value v"}, e.lines())

	f = job.RunNow()
	require.NoError(t, e.s.WaitIdle(context.Background()))
	require.True(t, f.Cancel())
	require.NoError(t, e.s.WaitIdle(context.Background()))
	require.ErrorIs(t, f.Err(), periodic.ErrCancelled)
}

// TestRunContextMisbehaves checks that a RunContext hook that panics or
// returns nil changes nothing for the run; the panic is logged.
func TestRunContextMisbehaves(t *testing.T) {
	cases := []struct {
		name string
		fn   func(context.Context, periodic.Event) context.Context
		log  []string
	}{
		{"nil", func(context.Context, periodic.Event) context.Context { return nil }, nil},
		{"panic", func(context.Context, periodic.Event) context.Context { panic("bad hook") },
			[]string{"10s ERROR periodic: RunContext hook panicked job=j tick=10s error=bad hook stack=..."}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := &logRecorder{}
			log := slog.New(levelFilter{h, slog.LevelError})
			e := newEnv(t, periodic.WithLogger(log), periodic.WithHooks(periodic.Hooks{RunContext: c.fn}))
			job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (any, error) {
				return ctx.Value(traceKey{"v"}), nil
			}, periodic.WithName("j"))
			require.NoError(t, err)
			e.s.Start()
			e.advance(10 * time.Second)
			v, err := job.Last().Result()
			require.NoError(t, err)
			require.Nil(t, v)
			require.Equal(t, c.log, h.take())
		})
	}
}

// levelFilter passes the records at or above min to h.
type levelFilter struct {
	*logRecorder
	min slog.Level
}

func (f levelFilter) Enabled(_ context.Context, l slog.Level) bool { return l >= f.min }

// TestWithHooksKeepsEverySet checks that WithHooks given twice calls both
// sets in order, and chains their RunContext hooks.
func TestWithHooksKeepsEverySet(t *testing.T) {
	var got seen
	set := func(name string) periodic.Hooks {
		return periodic.Hooks{
			RunContext: func(ctx context.Context, _ periodic.Event) context.Context {
				got.add("%s context sees a=%v", name, ctx.Value(traceKey{"a"}))
				return context.WithValue(ctx, traceKey{name}, name)
			},
			BeforeRun: func(periodic.Event) { got.add("%s before", name) },
			AfterRun:  func(periodic.Event) { got.add("%s after", name) },
		}
	}
	e := newEnv(t, quiet, periodic.WithHooks(set("a")), periodic.WithHooks(periodic.Hooks{}), periodic.WithHooks(set("b")))
	_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		got.add("job sees a=%v b=%v", ctx.Value(traceKey{"a"}), ctx.Value(traceKey{"b"}))
		return 0, nil
	})
	require.NoError(t, err)
	e.s.Start()
	e.advance(10 * time.Second)
	require.Equal(t, []string{
		"a context sees a=<nil>", "b context sees a=a",
		"a before", "b before",
		"job sees a=a b=b",
		"a after", "b after",
	}, got.take())
}

// TestClaimErrorKinds checks that a lost claim wraps ErrClaimed only, and
// an undecided one (the store failed) wraps ErrStore and the cause.
func TestClaimErrorKinds(t *testing.T) {
	errDown := errors.New("store down")
	cases := []struct {
		name       string
		fail       error
		claimed    bool
		storeError bool
	}{
		{"lost", fmt.Errorf("%w: by replica b", periodic.ErrClaimed), true, false},
		{"store", errDown, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			locker := periodictest.NewLocker()
			locker.Fail(c.fail)
			var after []periodic.Event
			e := newEnv(t, quiet, periodic.WithLocker(locker),
				periodic.WithHooks(periodic.Hooks{AfterRun: func(ev periodic.Event) { after = append(after, ev) }}))
			job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(context.Context) (int, error) {
				return 1, nil
			}, periodic.WithName("j"))
			require.NoError(t, err)
			e.s.Start()
			e.advance(10 * time.Second)
			err = job.Last().Err()
			require.ErrorIs(t, err, c.fail)
			require.Equal(t, c.claimed, errors.Is(err, periodic.ErrClaimed), err)
			require.Equal(t, c.storeError, errors.Is(err, periodic.ErrStore), err)
			require.ErrorContains(t, err, `periodic: job "j" tick 2026-01-01T00:00:10Z: `)
			require.Len(t, after, 1)
			require.Equal(t, err, after[0].Err)
		})
	}
}

// TestMisfireEventCountsDropped checks Event.Dropped: the late ticks that
// WithCatchupWindow dropped, among those Missed.
func TestMisfireEventCountsDropped(t *testing.T) {
	var misfires []periodic.Event
	e := newEnv(t, quiet, periodic.WithHooks(periodic.Hooks{OnMisfire: func(ev periodic.Event) { misfires = append(misfires, ev) }}))
	_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(context.Context) (int, error) {
		return 0, nil
	}, periodic.WithName("m"), periodic.WithMisfire(periodic.MisfireCatchUp), periodic.WithCatchupWindow(25*time.Second))
	require.NoError(t, err)
	e.s.Start()
	e.jump(65 * time.Second) // ticks 10..60 are late; 10, 20 and 30 are older than 25 s
	require.Len(t, misfires, 1)
	require.Equal(t, 6, misfires[0].Missed)
	require.Equal(t, 3, misfires[0].Dropped)
}

// TestEventOutcome checks the outcome named for each kind of event and
// error, the order of the checks included: a lost claim is not a
// failure, a cancelled claim is a cancellation.
func TestEventOutcome(t *testing.T) {
	storeErr := fmt.Errorf("%w: %w", periodic.ErrStore, errBoom)
	cases := []struct {
		kind periodic.EventKind
		err  error
		want string
	}{
		{periodic.EventFinish, nil, "succeeded"},
		{periodic.EventFinish, errBoom, "failed"},
		{periodic.EventFinish, &periodic.PanicError{Value: "x"}, "failed"},
		{periodic.EventFinish, context.DeadlineExceeded, "failed"},
		{periodic.EventFinish, periodic.ErrCancelled, "cancelled"},
		{periodic.EventFinish, fmt.Errorf("job: %w", periodic.ErrClaimed), "claimed_elsewhere"},
		{periodic.EventFinish, storeErr, "store_error"},
		{periodic.EventFinish, fmt.Errorf("%w: %w", periodic.ErrStore, context.Canceled), "cancelled"},
		{periodic.EventSkip, periodic.ErrSkipped, "skipped"},
		{periodic.EventFinish, fmt.Errorf("job: %w", periodic.ErrPaused), "skipped"},
		{periodic.EventFinish, fmt.Errorf("job: %w", periodic.ErrSkipped), "skipped"},
		{periodic.EventStart, nil, ""},
		{periodic.EventRetry, errBoom, ""},
		{periodic.EventMisfire, nil, ""},
		{periodic.EventPanic, &periodic.PanicError{Value: "x"}, ""},
	}
	for _, c := range cases {
		require.Equal(t, c.want, periodic.Event{Kind: c.kind, Err: c.err}.Outcome(), "%s %v", c.kind, c.err)
	}
}
