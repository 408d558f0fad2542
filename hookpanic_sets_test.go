package periodic_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// TestHookSetsRecoverApart checks that, with WithHooks given several
// times, a set whose hooks all panic stops neither the run nor the hooks
// of another set, before or after it: each set's hook is recovered and
// logged on its own, and the context the sound set's RunContext returned
// reaches the job and its later hooks.
func TestHookSetsRecoverApart(t *testing.T) {
	bad := periodic.Hooks{
		RunContext: func(context.Context, periodic.Event) context.Context { panic("bad RunContext") },
		BeforeRun:  func(periodic.Event) { panic("bad BeforeRun") },
		AfterRun:   func(periodic.Event) { panic("bad AfterRun") },
		OnSkip:     func(periodic.Event) { panic("bad OnSkip") },
	}
	key := traceKey{"span"}
	cases := []struct {
		name     string
		badFirst bool
	}{
		{"bad set first", true},
		{"bad set last", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got seen
			good := periodic.Hooks{
				RunContext: func(ctx context.Context, e periodic.Event) context.Context {
					return context.WithValue(ctx, key, "span@"+sec(e.Tick))
				},
				BeforeRun: func(e periodic.Event) { got.add("before %s: %v", sec(e.Tick), e.Context.Value(key)) },
				AfterRun:  func(e periodic.Event) { got.add("after %s: %v", sec(e.Tick), e.Context.Value(key)) },
				OnSkip:    func(e periodic.Event) { got.add("skip %s", sec(e.Tick)) },
			}
			sets := []periodic.Hooks{bad, good}
			if !c.badFirst {
				sets = []periodic.Hooks{good, bad}
			}
			h := &logRecorder{}
			e := newEnv(t, periodic.WithLogger(slog.New(levelFilter{h, slog.LevelError})),
				periodic.WithHooks(sets[0]), periodic.WithHooks(sets[1]))
			_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
				got.add("job %s: %v", sec(periodic.TickFrom(ctx)), ctx.Value(key))
				return 0, periodic.Sleep(ctx, 15*time.Second)
			}, periodic.WithName("j"), periodic.WithOverlap(periodic.OverlapSkip))
			require.NoError(t, err)
			e.s.Start()
			e.advance(25 * time.Second)
			require.Equal(t, []string{
				"before 10s: span@10s",
				"job 10s: span@10s",
				"skip 20s",
				"after 10s: span@10s",
			}, got.take())
			require.Equal(t, []string{
				"10s ERROR periodic: RunContext hook panicked job=j tick=10s error=bad RunContext stack=...",
				"10s ERROR periodic: hook panicked hook=start job=j tick=10s error=bad BeforeRun stack=...",
				"20s ERROR periodic: hook panicked hook=skip job=j tick=20s error=bad OnSkip stack=...",
				"25s ERROR periodic: hook panicked hook=finish job=j tick=10s error=bad AfterRun stack=...",
			}, h.take())
		})
	}
}

// TestEventBackfillAndEndedContext checks Event.Backfill, set on the
// events of a Backfill's runs (RunContext's start event included) and on
// no other, and that AfterRun's Event.Context is already cancelled while
// its values stay readable, as Event.Context's doc says.
func TestEventBackfillAndEndedContext(t *testing.T) {
	var got seen
	key := traceKey{"v"}
	hooks := periodic.Hooks{
		RunContext: func(ctx context.Context, e periodic.Event) context.Context {
			got.add("context %s backfill=%v", sec(e.Tick), e.Backfill)
			return context.WithValue(ctx, key, "v")
		},
		BeforeRun: func(e periodic.Event) { got.add("before %s backfill=%v", sec(e.Tick), e.Backfill) },
		AfterRun: func(e periodic.Event) {
			got.add("after %s backfill=%v err=%v value=%v", sec(e.Tick), e.Backfill, e.Context.Err(), e.Context.Value(key))
		},
	}
	e := newEnv(t, quiet, periodic.WithHooks(hooks))
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(context.Context) (int, error) {
		return 0, nil
	}, periodic.WithName("j"))
	require.NoError(t, err)
	e.s.Start()
	e.advance(10 * time.Second)
	_, err = job.Backfill(context.Background(), e.m.Now().Add(-15*time.Second), e.m.Now().Add(-5*time.Second))
	require.NoError(t, err)
	require.NoError(t, e.s.WaitIdle(context.Background()))
	require.Equal(t, []string{
		"context 10s backfill=false", "before 10s backfill=false", "after 10s backfill=false err=context canceled value=v",
		"context 0s backfill=true", "before 0s backfill=true", "after 0s backfill=true err=context canceled value=v",
	}, got.take())
}

// mapContext is a context of a type that == cannot compare (a map field,
// held by value), as a caller may give Backfill.
type mapContext struct {
	context.Context
	tags map[string]string
}

// TestRunContextWithUncomparableParent checks that a Backfill given a
// context of an uncomparable type runs, with RunContext hooks that all
// return nil and with one that returns a value: the seam never compares
// contexts with ==, which panics on such a type.
func TestRunContextWithUncomparableParent(t *testing.T) {
	key := traceKey{"v"}
	none := periodic.Hooks{RunContext: func(context.Context, periodic.Event) context.Context { return nil }}
	value := periodic.Hooks{RunContext: func(ctx context.Context, _ periodic.Event) context.Context {
		return context.WithValue(ctx, key, "v")
	}}
	cases := []struct {
		name string
		sets []periodic.Hooks
		want any
	}{
		{"all nil", []periodic.Hooks{none, none}, nil},
		{"nil then value", []periodic.Hooks{none, value}, "v"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, quiet, periodic.WithHooks(c.sets[0]), periodic.WithHooks(c.sets[1]))
			job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (any, error) {
				return ctx.Value(key), nil
			}, periodic.WithName("j"))
			require.NoError(t, err)
			e.s.Start()
			ctx := mapContext{Context: context.Background(), tags: map[string]string{"a": "b"}}
			futures, err := job.Backfill(ctx, e.m.Now().Add(-15*time.Second), e.m.Now().Add(-5*time.Second))
			require.NoError(t, err)
			require.Len(t, futures, 1)
			require.NoError(t, e.s.WaitIdle(context.Background()))
			v, err := futures[0].Result()
			require.NoError(t, err)
			require.Equal(t, c.want, v)
		})
	}
}
