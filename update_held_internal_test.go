package periodic

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestHandBackRemovedOrClosingAfterUpdateToNone: an Update that leaves the job no
// tick, while the releaser holds its tick, then a Remove or a Shutdown:
// handBack gives the tick to the job (out of the heap), which stays
// removed, with no next run and nothing for Resume to arm.
func TestHandBackRemovedOrClosingAfterUpdateToNone(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(s *Scheduler, j *Job[int])
	}{
		{"Remove", func(_ *Scheduler, j *Job[int]) { j.Remove() }},
		{"Shutdown", func(s *Scheduler, _ *Job[int]) { s.closeJobs() }},
	} {
		for _, paused := range []bool{false, true} {
			t.Run(tc.name, func(t *testing.T) {
				t0, m, s, j := everySecondJob(t)
				s.mu.Lock()
				e := s.popLocked()
				s.mu.Unlock()
				if paused {
					j.Pause()
				}
				require.NoError(t, j.Update(Every(7*time.Second), WithStopAt(t0.Add(time.Millisecond))))
				tc.end(s, j)
				j.Resume()
				j.fire(e, m.Now())
				s.mu.Lock()
				require.Equal(t, jobRemoved, j.state)
				require.Equal(t, int32(-1), j.tick.index)
				require.False(t, s.heap.holds(&j.tick))
				require.False(t, j.replanned)
				require.Zero(t, s.heap.size())
				s.mu.Unlock()
				require.True(t, j.NextRun().IsZero())
				require.Empty(t, j.Describe(3).NextRuns)
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				_ = s.Shutdown(ctx)
				<-s.Done()
			})
		}
	}
}

// TestUpdateToNoneThenPauseHeldOrNot: Update to a definition with
// no tick, then Pause. With the tick in the heap the Update ends the job
// and the Pause finds it ended (not paused). With the tick held by the
// releaser meanwhile, the same two calls leave the job paused (with no
// tick, which Resume turns into ended). The two timelines differ only in
// when the releaser happened to look; Paused() tells them apart.
func TestUpdateToNoneThenPauseHeldOrNot(t *testing.T) {
	state := func(held bool) (jobState, bool) {
		t0, m, s, j := everySecondJob(t)
		var e *entry
		if held {
			s.mu.Lock()
			e = s.popLocked()
			s.mu.Unlock()
		}
		require.NoError(t, j.Update(Every(7*time.Second), WithStopAt(t0.Add(time.Millisecond))))
		j.Pause()
		if held {
			j.fire(e, m.Now())
		}
		paused := j.Paused()
		s.mu.Lock()
		st := j.state
		s.mu.Unlock()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = s.Shutdown(ctx)
		<-s.Done()
		return st, paused
	}
	inHeap, pausedInHeap := state(false)
	held, pausedHeld := state(true)
	require.Equal(t, jobEnded, inHeap)
	require.False(t, pausedInHeap)
	require.Equal(t, inHeap, held, "held: the job is %v, not ended", held)
	require.Equal(t, pausedInHeap, pausedHeld)
}
