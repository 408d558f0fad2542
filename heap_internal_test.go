package periodic

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
)

// TestHeldTickTakesIntents checks the heap-entry ownership rule of
// ARCHITECTURE.md step by step: while the releaser holds a job's tick,
// Pause and Resume are intents; the releaser's fire applies them and puts
// the entry back once; pushLocked never puts an entry in the heap twice.
func TestHeldTickTakesIntents(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := clock.NewMock()
	m.Set(t0)
	s := New(WithClock(m), WithLocation(time.UTC), WithLogger(slog.New(slog.DiscardHandler)))
	ran := 0
	j, err := Schedule(s, Every(time.Second), func(context.Context) (int, error) { ran++; return 0, nil })
	require.NoError(t, err)
	s.Start()

	s.mu.Lock()
	e := s.popLocked() // as the releaser does
	require.Same(t, &j.tick, e)
	require.Equal(t, held, e.index)
	s.mu.Unlock()

	j.Pause()
	j.Resume()
	s.mu.Lock()
	require.False(t, s.heap.holds(&j.tick), "Resume pushed a held entry")
	require.True(t, j.resumeWanted)
	require.Equal(t, jobPaused, j.state)
	s.mu.Unlock()

	e.ev.fire(e, t0.Add(time.Second)) // the releaser fires: the pause holds, the resume follows
	s.mu.Lock()
	require.True(t, s.heap.holds(&j.tick))
	require.Len(t, s.heap, 1)
	require.Equal(t, jobActive, j.state)
	require.True(t, j.tick.when.After(t0), "resumed at the first tick after now")
	s.pushLocked(&j.tick, t0.Add(time.Hour)) // already in the heap: ignored
	require.Len(t, s.heap, 1)
	s.mu.Unlock()
	require.Zero(t, ran, "a tick ran inside the pause")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = s.Shutdown(ctx)
	<-s.Done()
}

// gatedTrigger is Every(d) whose Next, once gated, hands each call to the
// test (calls) and returns only when the test lets it (proceed): the test
// acts while user code runs outside s.mu.
type gatedTrigger struct {
	d       time.Duration
	gated   atomic.Bool
	calls   chan time.Time
	proceed chan struct{}
}

func (g *gatedTrigger) Next(after time.Time) time.Time {
	if g.gated.Load() {
		g.calls <- after
		<-g.proceed
	}
	return after.Add(g.d)
}

// TestHeldTickResumeYieldsToLaterPause checks, step by step, that the
// Resume the releaser applies for a resume intent (handBack) does not undo
// a Pause that came after it: Pause, Resume while the tick is held, then
// Pause again while that Resume calls the trigger without the lock. The
// job must stay paused, as it was when the last call returned.
func TestHeldTickResumeYieldsToLaterPause(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := clock.NewMock()
	m.Set(t0)
	s := New(WithClock(m), WithLocation(time.UTC), WithLogger(slog.New(slog.DiscardHandler)))
	var ran atomic.Int64
	g := &gatedTrigger{d: time.Second, calls: make(chan time.Time), proceed: make(chan struct{})}
	j, err := Schedule(s, g, func(context.Context) (int, error) { ran.Add(1); return 0, nil })
	require.NoError(t, err)
	s.Start()

	s.mu.Lock()
	e := s.popLocked() // as the releaser does
	require.Same(t, &j.tick, e)
	require.Equal(t, t0.Add(time.Second), e.when)
	s.mu.Unlock()
	j.Pause()
	j.Resume() // an intent: the releaser holds the tick
	m.Set(t0.Add(time.Second))

	g.gated.Store(true)
	fired := make(chan struct{})
	go func() {
		defer close(fired)
		e.ev.fire(e, t0.Add(time.Second)) // the paused job's tick: handed back, then the intent's Resume
	}()
	require.Equal(t, t0.Add(time.Second), <-g.calls, "fire's next tick")
	g.proceed <- struct{}{}
	require.Equal(t, t0.Add(time.Second), <-g.calls, "the intent's Resume, from the tick that did not run")
	j.Pause() // returns while that Resume is outside s.mu
	g.gated.Store(false)
	g.proceed <- struct{}{}
	<-fired

	s.mu.Lock()
	require.Equal(t, jobPaused, j.state, "the intent's Resume undid the later Pause")
	require.False(t, s.heap.holds(&j.tick))
	require.Equal(t, int32(-1), j.tick.index, "the job owns its tick")
	s.mu.Unlock()

	j.Resume() // a Resume after the Pause still resumes
	s.mu.Lock()
	require.Equal(t, jobActive, j.state)
	require.True(t, s.heap.holds(&j.tick))
	require.Equal(t, t0.Add(2*time.Second), j.tick.when, "the first tick after now")
	s.mu.Unlock()
	require.Zero(t, ran.Load(), "a tick ran inside the pause")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = s.Shutdown(ctx)
	<-s.Done()
}

// TestIntentResumeYieldsToPauseAfterHandBack checks the other gap of a
// resume intent: handBack decides to resume under s.mu, lets it go, and
// calls resume; a Pause between the two stands. No user code runs in that
// gap to stop at, so the test plays handBack's critical section itself
// (as in tick.go) and then calls resume with the count it saw.
func TestIntentResumeYieldsToPauseAfterHandBack(t *testing.T) {
	t0, _, s, j := everySecondJob(t)
	s.mu.Lock()
	e := s.popLocked()
	s.mu.Unlock()
	j.Pause()
	j.Resume() // an intent: the releaser holds the tick

	s.mu.Lock() // handBack's critical section
	require.True(t, j.resumeWanted)
	j.tick.index, j.tick.when = -1, e.when
	j.resumeWanted = false
	seen := j.pauses
	s.mu.Unlock()
	j.Pause() // between handBack's unlock and its resume
	j.resume(true, seen)

	s.mu.Lock()
	require.Equal(t, jobPaused, j.state, "the intent's resume undid the later Pause")
	require.False(t, s.heap.holds(&j.tick))
	s.mu.Unlock()

	j.Resume()
	s.mu.Lock()
	require.Equal(t, jobActive, j.state)
	require.Equal(t, t0.Add(time.Second), j.tick.when, "the first tick after now")
	s.mu.Unlock()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = s.Shutdown(ctx)
	<-s.Done()
}

// TestUpdatePausedHeldTick: an Update of a paused job whose tick the
// releaser holds leaves the entry alone (the releaser reads its time
// without the lock) and hands its tick to handBack, which gives it to the
// job: Resume goes on from the Update's tick. With a new definition that
// has no tick ("to none"), handBack gives the job no tick (zero, as an
// Update of a paused job whose tick is in the heap does), not the tick
// the releaser held, and Resume ends the job.
func TestUpdatePausedHeldTick(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []JobOption
		tick  time.Duration // after t0; 0: none
		state jobState      // after Resume
	}{
		{"to a tick", nil, 7 * time.Second, jobActive},
		{"to none", []JobOption{WithStopAt(time.Date(2026, 1, 1, 0, 0, 0, int(time.Millisecond), time.UTC))}, 0, jobEnded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t0, m, s, j := everySecondJob(t)
			want := time.Time{}
			if tc.tick > 0 {
				want = t0.Add(tc.tick)
			}
			s.mu.Lock()
			e := s.popLocked() // the releaser holds the tick at t0+1s
			s.mu.Unlock()
			j.Pause()
			require.NoError(t, j.Update(Every(7*time.Second), tc.opts...))
			require.Equal(t, t0.Add(time.Second), e.when, "Update wrote the entry the releaser holds")
			j.fire(e, m.Now()) // the releaser's fire: the job is paused, the tick goes back to it

			s.mu.Lock()
			require.Equal(t, jobPaused, j.state)
			require.Equal(t, want, j.tick.when, "handBack gives the job the Update's tick")
			s.mu.Unlock()
			j.Resume()
			s.mu.Lock()
			require.Equal(t, tc.state, j.state)
			s.mu.Unlock()
			require.Equal(t, want, j.NextRun())

			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_ = s.Shutdown(ctx)
			<-s.Done()
		})
	}
}

// everySecondJob starts a scheduler on a mock clock at t0 with one job
// ticking every second, its first tick in the heap at t0+1s.
func everySecondJob(t *testing.T) (time.Time, *clock.Mock, *Scheduler, *Job[int]) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := clock.NewMock()
	m.Set(t0)
	s := New(WithClock(m), WithLocation(time.UTC), WithLogger(slog.New(slog.DiscardHandler)))
	j, err := Schedule(s, Every(time.Second), func(context.Context) (int, error) { return 0, nil })
	require.NoError(t, err)
	s.Start()
	return t0, m, s, j
}
