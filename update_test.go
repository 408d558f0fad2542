package periodic_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// tickLog returns a job function recording its ticks, and their reader.
func tickLog() (periodic.Func[int], func() []time.Duration) {
	var mu sync.Mutex
	var ticks []time.Duration
	return func(ctx context.Context) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			ticks = append(ticks, periodic.TickFrom(ctx).Sub(t0))
			return 0, nil
		}, func() []time.Duration {
			mu.Lock()
			defer mu.Unlock()
			return append([]time.Duration(nil), ticks...)
		}
}

// Issue #12 item 14: Update replaces the trigger and options in place;
// the job keeps its name, stats and history, and ticks from the Update.
func TestUpdateActive(t *testing.T) {
	e := newEnv(t, quiet)
	fn, ticks := tickLog()
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), fn, periodic.WithName("j"), periodic.WithTags("old"))
	require.NoError(t, err)
	e.s.Start()
	e.advance(25 * time.Second)
	require.NoError(t, job.Update(periodic.Every(7*time.Second), periodic.WithTags("new")))
	require.Equal(t, at(32), job.NextRun(), "anchored at the Update")
	e.advance(15 * time.Second) // to 40 s
	require.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second, 32 * time.Second, 39 * time.Second}, ticks())
	require.Equal(t, "j", job.Name())
	require.Equal(t, []string{"new"}, job.Tags())
	require.Equal(t, 4, job.Stats().Runs)
	require.Len(t, job.Describe(8).LastRuns, 4)
	require.Equal(t, "every 7s", job.Describe(0).Trigger)
}

// TestUpdateStates checks Update in each state of the job.
func TestUpdateStates(t *testing.T) {
	t.Run("paused stays paused, Resume follows the new trigger", func(t *testing.T) {
		e := newEnv(t, quiet)
		fn, ticks := tickLog()
		job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), fn)
		require.NoError(t, err)
		e.s.Start()
		e.advance(15 * time.Second)
		job.Pause()
		require.NoError(t, job.Update(periodic.Every(4*time.Second), periodic.WithStartAt(at(15))))
		require.True(t, job.Paused())
		e.advance(10 * time.Second) // to 25 s
		job.Resume()
		require.Equal(t, at(27), job.NextRun())
		e.advance(5 * time.Second)
		require.Equal(t, []time.Duration{10 * time.Second, 27 * time.Second}, ticks())
	})
	t.Run("ended comes back", func(t *testing.T) {
		e := newEnv(t, quiet)
		fn, ticks := tickLog()
		job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), fn, periodic.WithLimit(1))
		require.NoError(t, err)
		e.s.Start()
		e.advance(15 * time.Second)
		require.True(t, job.NextRun().IsZero())
		require.NoError(t, job.Update(periodic.Every(10*time.Second)))
		e.advance(10 * time.Second)
		require.Equal(t, []time.Duration{10 * time.Second, 25 * time.Second}, ticks())
	})
	t.Run("idle: Start arms the new definition", func(t *testing.T) {
		e := newEnv(t, quiet)
		fn, ticks := tickLog()
		job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), fn)
		require.NoError(t, err)
		require.NoError(t, job.Update(periodic.At(at(3), at(8))))
		require.Equal(t, at(3), job.NextRun(), "At shows before Start")
		e.s.Start()
		e.advance(10 * time.Second)
		require.Equal(t, []time.Duration{3 * time.Second, 8 * time.Second}, ticks())
	})
}

// TestUpdateRefused checks Update's errors: bad input as Schedule's, a
// rename, a removed job, a closed scheduler.
func TestUpdateRefused(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Second), e.sleeper(0), periodic.WithName("j"))
	require.NoError(t, err)
	err = job.Update(periodic.Every(time.Second), periodic.WithName("k"))
	require.ErrorIs(t, err, periodic.ErrInvalid)
	require.EqualError(t, err, `periodic: invalid argument: Update: WithName("k"): the job is named "j"`)
	require.ErrorIs(t, job.Update(periodic.Every(0)), periodic.ErrInvalid)
	require.EqualError(t, job.Update(nil), "periodic: invalid argument: Update: nil trigger")
	require.ErrorIs(t, job.Update(periodic.At(at(-1))), periodic.ErrInvalid)
	require.NoError(t, job.Update(periodic.Every(time.Second), periodic.WithName("j")))
	job.Remove()
	err = job.Update(periodic.Every(time.Second))
	require.ErrorIs(t, err, periodic.ErrRemoved)
	require.EqualError(t, err, `periodic: job "j": Update: job removed`)
	other, err := periodic.Schedule(e.s, periodic.Every(time.Second), e.sleeper(0))
	require.NoError(t, err)
	require.NoError(t, e.s.Shutdown(context.Background()))
	require.ErrorIs(t, other.Update(periodic.Every(time.Second)), periodic.ErrClosed)
}

// TestUpdateWhileTickHeld updates a job from an OnMisfire hook, which runs
// while the releaser holds the job's tick: the releaser pushes the new
// definition's tick, not its own.
func TestUpdateWhileTickHeld(t *testing.T) {
	var job *periodic.Job[int]
	var updateErr error
	e := newEnv(t, quiet, periodic.WithHooks(periodic.Hooks{OnMisfire: func(periodic.Event) {
		updateErr = job.Update(periodic.Every(7 * time.Second))
	}}))
	fn, ticks := tickLog()
	var err error
	job, err = periodic.Schedule(e.s, periodic.Every(10*time.Second), fn)
	require.NoError(t, err)
	e.s.Start()
	e.advance(0)              // driven from here on: the dispatcher does not race the jump
	e.m.Add(35 * time.Second) // the 10 s tick is released 25 s late
	e.advance(0)
	require.NoError(t, updateErr)
	require.Equal(t, at(42), job.NextRun())
	e.advance(10 * time.Second)
	require.Equal(t, []time.Duration{30 * time.Second, 42 * time.Second}, ticks())
}

// TestUpdateLimitReached checks that an Update whose WithLimit the job has
// already reached is an error naming it, not a job that ends silently.
func TestUpdateLimitReached(t *testing.T) {
	e := newEnv(t, quiet)
	fn, _ := tickLog()
	job, err := periodic.Schedule(e.s, periodic.Every(time.Second), fn)
	require.NoError(t, err)
	e.s.Start()
	e.advance(3 * time.Second)
	err = job.Update(periodic.Every(time.Second), periodic.WithLimit(2))
	require.ErrorIs(t, err, periodic.ErrInvalid)
	require.ErrorContains(t, err, "WithLimit(2) is reached already (3 ticks ran)")
	require.True(t, job.NextRun().Equal(t0.Add(4*time.Second)), "the job goes on as it was")
	require.NoError(t, job.Update(periodic.Every(time.Second), periodic.WithLimit(4)))
}

// gatedTrigger ticks every second; once armed, its Next signals entered
// and waits for proceed.
type gatedTrigger struct {
	armed            *bool
	entered, proceed chan struct{}
	mu               *sync.Mutex
}

func (g gatedTrigger) Next(after time.Time) time.Time {
	g.mu.Lock()
	armed := *g.armed
	*g.armed = false
	g.mu.Unlock()
	if armed {
		g.entered <- struct{}{}
		<-g.proceed
	}
	return after.Truncate(time.Second).Add(time.Second)
}

// TestUpdateDuringResume: an Update that places a paused job's tick while
// Resume asks the old trigger for the first tick after now wins: Resume
// goes on from the new definition's tick, not from the old trigger's.
func TestUpdateDuringResume(t *testing.T) {
	e := newEnv(t, quiet)
	var mu sync.Mutex
	armed := false
	g := gatedTrigger{armed: &armed, entered: make(chan struct{}), proceed: make(chan struct{}), mu: &mu}
	fn, ticks := tickLog()
	job, err := periodic.Schedule(e.s, g, fn)
	require.NoError(t, err)
	e.s.Start()
	job.Pause()
	e.advance(10 * time.Second) // paused: the ticks 1 to 10 s do not run
	mu.Lock()
	armed = true
	mu.Unlock()
	resumed := make(chan struct{})
	go func() {
		defer close(resumed)
		job.Resume() // asks the old trigger for the tick after now: held at entered
	}()
	<-g.entered
	require.NoError(t, job.Update(periodic.Every(7*time.Second))) // the paused job's tick: 17 s
	close(g.proceed)
	<-resumed
	require.False(t, job.Paused())
	require.Equal(t, at(17), job.NextRun(), "Resume goes on from the Update's tick")
	e.advance(10 * time.Second)
	require.Equal(t, []time.Duration{17 * time.Second}, ticks())
}
