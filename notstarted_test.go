package periodic_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// A tick's run in its WithJitter delay has not started: Remove and
// Shutdown refuse it, Pause skips it, and neither its function, OnRun nor
// BeforeRun runs (ARCHITECTURE.md, run places).
func TestJitterWaitIsNotStarted(t *testing.T) {
	for _, tc := range []struct {
		name  string
		act   func(s *periodic.Scheduler, j *periodic.Job[int])
		want  error
		skips int
	}{
		{"remove", func(_ *periodic.Scheduler, j *periodic.Job[int]) { j.Remove() }, periodic.ErrClosed, 0},
		{"pause", func(_ *periodic.Scheduler, j *periodic.Job[int]) { j.Pause() }, periodic.ErrSkipped, 1},
		{"shutdown", func(s *periodic.Scheduler, _ *periodic.Job[int]) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			require.NoError(t, s.Shutdown(ctx)) // not held up by the delay
		}, periodic.ErrClosed, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, onRun, ran atomic.Int32
			e := newEnv(t, periodic.WithRand(rand.New(rand.NewPCG(1, 2))),
				periodic.WithHooks(periodic.Hooks{BeforeRun: func(periodic.Event) { before.Add(1) }}))
			j, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(context.Context) (int, error) {
				ran.Add(1)
				return 0, nil
			}, periodic.WithJitter(10*time.Second), periodic.WithLimit(1))
			require.NoError(t, err)
			j.OnRun(func(time.Time, *periodic.Future[int]) { onRun.Add(1) })
			e.s.Start()
			e.advance(10 * time.Second) // the tick at 10 s fired; its run waits its delay
			require.Equal(t, 1, j.Stats().InFlight)
			tc.act(e.s, j)
			if tc.name != "shutdown" {
				e.advance(20 * time.Second)
			}
			f := j.Last()
			require.NotNil(t, f)
			<-f.Done()
			require.ErrorIs(t, f.Err(), tc.want)
			require.Zero(t, ran.Load(), "the function ran")
			require.Zero(t, onRun.Load(), "OnRun ran")
			require.Zero(t, before.Load(), "BeforeRun ran")
			st := j.Stats()
			require.Equal(t, 0, st.InFlight)
			require.Equal(t, 0, st.Runs)
			require.Equal(t, tc.skips, st.Skips)
		})
	}
}

// Pause and WithPauseOnFailure skip the tick runs that wait to start: in
// the overlap queue, or for a concurrency slot. OnRun sees them skipped.
func TestPauseSkipsWaitingTicks(t *testing.T) {
	failing := errors.New("db down")
	for _, tc := range []struct {
		name      string
		opts      []periodic.Option
		jobOpts   []periodic.JobOption
		fail      bool
		block     bool // a blocker holds the one concurrency slot
		pauseAt   time.Duration
		wantStart []time.Time
		skips     int
	}{
		{name: "queue", jobOpts: []periodic.JobOption{periodic.WithOverlap(periodic.OverlapQueue)},
			pauseAt: 31 * time.Second, wantStart: []time.Time{at(10)}, skips: 2},
		{name: "slot", opts: []periodic.Option{periodic.WithMaxConcurrency(1)}, block: true,
			pauseAt: 11 * time.Second, wantStart: nil, skips: 1},
		{name: "pause on failure", jobOpts: []periodic.JobOption{periodic.WithOverlap(periodic.OverlapQueue),
			periodic.WithPauseOnFailure()}, fail: true, wantStart: []time.Time{at(10)}, skips: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts...)
			if tc.block {
				b, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
					return 0, periodic.Sleep(ctx, 25*time.Second)
				}, periodic.WithName("block"))
				require.NoError(t, err)
				defer b.Remove()
				e.s.Start()
				b.RunNow()
			}
			var starts []time.Time // written by runs, one at a time, read after advance
			j, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
				starts = append(starts, e.m.Now())
				if err := periodic.Sleep(ctx, 25*time.Second); err != nil || !tc.fail {
					return 0, err
				}
				return 0, failing
			}, append(tc.jobOpts, periodic.WithName("job"))...)
			require.NoError(t, err)
			var skipped atomic.Int32
			j.OnRun(func(_ time.Time, f *periodic.Future[int]) {
				select { // a skipped tick's future has settled when OnRun hears of it
				case <-f.Done():
					if errors.Is(f.Err(), periodic.ErrSkipped) {
						skipped.Add(1)
					}
				default:
				}
			})
			e.s.Start()
			if tc.pauseAt > 0 {
				e.advance(tc.pauseAt)
				j.Pause()
			}
			e.advance(120*time.Second - tc.pauseAt)
			require.True(t, j.Paused())
			require.Equal(t, tc.wantStart, starts)
			st := j.Stats()
			require.Equal(t, tc.skips, st.Skips)
			require.Equal(t, 0, st.InFlight)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			require.NoError(t, e.s.Shutdown(ctx))
			<-e.s.Done() // OnRun of skips runs on a goroutine of the scheduler
			require.Equal(t, int32(tc.skips), skipped.Load())
		})
	}
}
