package periodicotel_test

import (
	"context"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	periodicotel "github.com/periodic-go/periodic/otel"
	"github.com/stretchr/testify/require"
)

// TestUserHooksPanicBeforeInstrumentation checks that a user's hooks,
// given before the Instrumentation's and all panicking, stop neither the
// run nor the instrumentation: the span starts and ends, and the metrics
// count the run.
func TestUserHooksPanicBeforeInstrumentation(t *testing.T) {
	bad := periodic.Hooks{
		RunContext: func(context.Context, periodic.Event) context.Context { panic("user RunContext") },
		BeforeRun:  func(periodic.Event) { panic("user BeforeRun") },
		AfterRun:   func(periodic.Event) { panic("user AfterRun") },
		OnSkip:     func(periodic.Event) { panic("user OnSkip") },
	}
	e := newEnvWith(t, nil, []periodic.Option{periodic.WithHooks(bad)})
	_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), sleeper(15*time.Second),
		periodic.WithName("j"), periodic.WithOverlap(periodic.OverlapSkip))
	require.NoError(t, err)
	e.s.Start()
	e.advance(25 * time.Second)
	require.Equal(t, []string{
		"run j 10s-25s internal {periodic.job.name=j periodic.run.attempt=1 periodic.run.outcome=succeeded periodic.run.start_lateness=0 periodic.run.tick=10s} status=Unset",
	}, e.ended())
	require.Equal(t, []string{"j/skipped 1", "j/succeeded 1"}, e.points("periodic.run.count"))
	require.Equal(t, []string{"j 0"}, e.points("periodic.run.active"))
}

// TestInvalidUTF8JobName checks that a job name that is not valid UTF-8
// reaches the span's name and the attributes with its bad bytes replaced
// by U+FFFD.
func TestInvalidUTF8JobName(t *testing.T) {
	e := newEnv(t)
	_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), sleeper(time.Second), periodic.WithName("bad\xffname"))
	require.NoError(t, err)
	e.s.Start()
	e.advance(11 * time.Second)
	require.Equal(t, []string{
		"run bad\uFFFDname 10s-11s internal {periodic.job.name=bad\uFFFDname periodic.run.attempt=1 periodic.run.outcome=succeeded periodic.run.start_lateness=0 periodic.run.tick=10s} status=Unset",
	}, e.ended())
	require.Equal(t, []string{"bad\uFFFDname/succeeded 1"}, e.points("periodic.run.count"))
}

// TestWithScheduler checks that WithScheduler's name is on every span and
// measurement, and that an empty one is an error naming it.
func TestWithScheduler(t *testing.T) {
	e := newEnvWith(t, []periodicotel.Option{periodicotel.WithScheduler("billing")}, nil)
	_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), sleeper(time.Second), periodic.WithName("j"))
	require.NoError(t, err)
	e.s.Start()
	e.advance(11 * time.Second)
	require.Equal(t, []string{
		"run j 10s-11s internal {periodic.job.name=j periodic.run.attempt=1 periodic.run.outcome=succeeded periodic.run.start_lateness=0 periodic.run.tick=10s periodic.scheduler.name=billing} status=Unset",
	}, e.ended())
	metrics := e.collect()
	require.Len(t, metrics, 4) // count, duration, lateness, active
	for name, m := range metrics {
		for _, set := range pointSets(m) {
			v, ok := set.Value(periodicotel.AttrScheduler)
			require.True(t, ok, name)
			require.Equal(t, "billing", v.AsString(), name)
		}
	}

	_, err = periodicotel.New(periodicotel.WithScheduler(""))
	require.EqualError(t, err, `periodicotel: WithScheduler(""): need a name`)
}
