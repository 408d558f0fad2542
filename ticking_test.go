package periodic_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// jump moves the mock clock by d behind the scheduler's back, as a
// suspended process or a clock step would, then lets the scheduler release
// what is due.
func (e *env) jump(d time.Duration) {
	e.t.Helper()
	e.advance(0) // periodictest drives from here on: the dispatcher does not race the jump
	e.m.Add(d)
	e.advance(0)
}

// TestMisfire jumps the clock over three ticks and checks each policy: what
// runs, for which tick, the hook, the stats, and where ticking resumes.
func TestMisfire(t *testing.T) {
	cases := []struct {
		policy  periodic.Misfire
		want    []string
		dropped int // the late ticks that do not run
	}{
		{periodic.MisfireCoalesce, []string{" 45s run tick 40s"}, 2},
		{periodic.MisfireSkip, nil, 3},
		{periodic.MisfireCatchUp, []string{" 45s run tick 20s", " 45s run tick 30s", " 45s run tick 40s"}, 0},
	}
	for _, c := range cases {
		t.Run(c.policy.String(), func(t *testing.T) {
			var misfires []periodic.Event
			e := newEnv(t, quiet, periodic.WithHooks(periodic.Hooks{OnMisfire: func(ev periodic.Event) { misfires = append(misfires, ev) }}))
			job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
				e.printf("run tick %s", sec(periodic.TickFrom(ctx)))
				return 0, periodic.Sleep(ctx, 2*time.Second)
			}, periodic.WithMisfire(c.policy), periodic.WithName("m"))
			require.NoError(t, err)
			e.s.Start()
			e.advance(10 * time.Second)
			require.Equal(t, []string{" 10s run tick 10s"}, e.lines())
			e.jump(35 * time.Second)
			require.Equal(t, c.want, e.lines())
			require.Equal(t, []periodic.Event{{Kind: periodic.EventMisfire, Job: "m", Tick: at(20), Start: at(45), Missed: 3, Dropped: c.dropped}}, misfires)
			require.Equal(t, 3, job.Stats().Misfires)
			require.Equal(t, c.dropped, job.Stats().Dropped)
			require.True(t, job.NextRun().Equal(at(50)), job.NextRun())
			e.advance(10 * time.Second)
			require.Equal(t, []string{" 50s run tick 50s"}, e.lines())
			require.Len(t, misfires, 1)
		})
	}
}

// TestMisfireCatchUpBound checks that MisfireCatchUp runs at most 1,000
// missed ticks, the latest, oldest first.
func TestMisfireCatchUpBound(t *testing.T) {
	var misfires []periodic.Event
	e := newEnv(t, quiet, periodic.WithMisfireGrace(0), periodic.WithHooks(periodic.Hooks{
		OnMisfire: func(ev periodic.Event) { misfires = append(misfires, ev) }}))
	var ticks []time.Time
	job, err := periodic.Schedule(e.s, periodic.Every(time.Second), func(ctx context.Context) (int, error) {
		ticks = append(ticks, periodic.TickFrom(ctx))
		return 0, nil
	}, periodic.WithMisfire(periodic.MisfireCatchUp))
	require.NoError(t, err)
	e.s.Start()
	e.advance(time.Second)
	e.jump(5000 * time.Second) // now 5001 s: ticks 2..5000 are late, 5001 is on time
	require.Len(t, ticks, 1+1001)
	require.True(t, ticks[1].Equal(at(4001)), sec(ticks[1]))
	require.True(t, ticks[1001].Equal(at(5001)))
	require.Len(t, misfires, 1)
	require.Equal(t, 4999, misfires[0].Missed)
	require.True(t, misfires[0].Tick.Equal(at(2)))
	require.Equal(t, 4999, job.Stats().Misfires)
	require.True(t, job.NextRun().Equal(at(5002)))
}

// TestMisfireGrace checks that a tick released within the grace runs as
// usual, and one released later is a misfire.
func TestMisfireGrace(t *testing.T) {
	var misfires []periodic.Event
	e := newEnv(t, quiet, periodic.WithMisfireGrace(5*time.Second), periodic.WithHooks(periodic.Hooks{
		OnMisfire: func(ev periodic.Event) { misfires = append(misfires, ev) }}))
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		e.printf("run tick %s", sec(periodic.TickFrom(ctx)))
		return 0, nil
	}, periodic.WithMisfire(periodic.MisfireSkip))
	require.NoError(t, err)
	e.s.Start()
	e.advance(10 * time.Second)
	e.jump(15 * time.Second) // tick 20 released at 25: 5 s late, within the grace
	e.jump(11 * time.Second) // tick 30 released at 36: 6 s late
	e.advance(4 * time.Second)
	require.Equal(t, []string{" 10s run tick 10s", " 25s run tick 20s", " 40s run tick 40s"}, e.lines())
	require.Len(t, misfires, 1)
	require.True(t, misfires[0].Tick.Equal(at(30)))
	require.Equal(t, 1, misfires[0].Missed)
	require.Equal(t, 1, job.Stats().Misfires)
}

// TestClockBackwards checks that setting the clock back never runs a tick
// twice: ticking resumes at the next tick not yet run.
func TestClockBackwards(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		e.printf("run tick %s", sec(periodic.TickFrom(ctx)))
		return 0, nil
	})
	require.NoError(t, err)
	e.s.Start()
	e.advance(20 * time.Second)
	e.m.Set(at(5))
	e.advance(0)
	require.True(t, job.NextRun().Equal(at(30)))
	e.advance(30 * time.Second) // to 35 s
	require.Equal(t, []string{" 10s run tick 10s", " 20s run tick 20s", " 30s run tick 30s"}, e.lines())
	require.Zero(t, job.Stats().Misfires)
}

// TestPauseResume checks that ticks missed while paused do not run, and
// that Resume continues at the next anchored tick.
func TestPauseResume(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		e.printf("run tick %s", sec(periodic.TickFrom(ctx)))
		return 0, nil
	})
	require.NoError(t, err)
	e.s.Start()
	e.advance(15 * time.Second)
	job.Pause()
	require.True(t, job.Paused())
	require.True(t, job.NextRun().IsZero())
	e.advance(22 * time.Second) // to 37 s: ticks 20 and 30 pass
	job.Resume()
	require.False(t, job.Paused())
	require.True(t, job.NextRun().Equal(at(40)))
	e.advance(13 * time.Second) // to 50 s
	job.Pause()
	job.Resume() // at a tick's instant: that tick has run; the next is 60
	require.True(t, job.NextRun().Equal(at(60)))
	require.Equal(t, []string{" 10s run tick 10s", " 40s run tick 40s", " 50s run tick 50s"}, e.lines())
	require.Zero(t, job.Stats().Misfires)
	require.Zero(t, job.Stats().Skips)
}

// TestMaxConcurrency runs three 15 s jobs every 10 s on two slots: runs
// that find no slot wait in FIFO order and start as slots free, each job
// has at most one run waiting, and its ticks meanwhile are skipped.
func TestMaxConcurrency(t *testing.T) {
	e := newEnv(t, quiet, periodic.WithMaxConcurrency(2))
	inFlight, peak := 0, 0
	var jobs []*periodic.Job[int]
	for _, name := range []string{"A", "B", "C"} {
		job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
			inFlight++
			peak = max(peak, inFlight)
			e.printf("%s%s start", name, sec(periodic.TickFrom(ctx)))
			err := periodic.Sleep(ctx, 15*time.Second)
			inFlight--
			e.printf("%s%s end", name, sec(periodic.TickFrom(ctx)))
			return 0, err
		}, periodic.WithName(name), periodic.WithLimit(3))
		require.NoError(t, err)
		job.OnRun(func(tick time.Time, f *periodic.Future[int]) {
			if errors.Is(f.Err(), periodic.ErrSkipped) {
				e.printf("%s%s skipped", name, sec(tick))
			}
		})
		jobs = append(jobs, job)
	}
	e.s.Start()
	e.advance(20 * time.Second)
	e.advance(70 * time.Second)
	require.Equal(t, []string{
		" 10s A10s start", " 10s B10s start", // C10 waits for a slot
		" 20s C20s skipped", // A20 and B20 wait behind C10; C already has one waiting
		" 25s A10s end", " 25s C10s start", " 25s B10s end", " 25s A20s start",
		" 30s B30s skipped", // A30 and C30 wait behind B20
		// At one instant, A's deadlines come before B's, B's before C's, and
		// a job's tick before its runs' sleeps.
		" 40s A20s end", " 40s B20s start", " 40s C40s skipped", " 40s C10s end", " 40s A30s start",
		" 50s C50s skipped", // B40 waits behind C30
		" 55s A30s end", " 55s C30s start", " 55s B20s end", " 55s B40s start",
		" 70s B40s end", " 70s C60s start", " 70s C30s end", " 85s C60s end",
	}, e.lines())
	require.Equal(t, 2, peak)
	for i, want := range []periodic.Stats{
		{Runs: 3, Successes: 3},
		{Runs: 3, Successes: 3, Skips: 1},
		{Runs: 3, Successes: 3, Skips: 3},
	} {
		st := jobs[i].Stats()
		st.LastDuration = 0
		require.Equal(t, want, st, jobs[i].Name())
	}
}

// TestMaxConcurrencyRunNowWaits checks that RunNow's future stays pending
// while no slot is free and the run starts as soon as one frees.
func TestMaxConcurrencyRunNowWaits(t *testing.T) {
	e := newEnv(t, quiet, periodic.WithMaxConcurrency(1))
	job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), e.sleeper(10))
	require.NoError(t, err)
	e.s.Start()
	first := job.RunNow()
	second := job.RunNow()
	e.advance(5 * time.Second)
	require.ErrorIs(t, second.Err(), periodic.ErrInvalidState) // pending
	require.Equal(t, 1, job.Stats().InFlight)
	e.advance(15 * time.Second)
	require.NoError(t, first.Err())
	require.NoError(t, second.Err())
	require.Equal(t, []string{"  0s start 10", " 10s end 10", " 10s start 10", " 20s end 10"}, e.lines())
}

// TestMaxConcurrencyEveryRunNowWaits checks that each RunNow waits for a
// slot in FIFO order, however many runs of its job already wait (as its
// doc says; none is refused), and that Remove refuses those still waiting.
func TestMaxConcurrencyEveryRunNowWaits(t *testing.T) {
	e := newEnv(t, quiet, periodic.WithMaxConcurrency(1))
	block, err := periodic.Schedule(e.s, periodic.Every(time.Hour), e.sleeper(10), periodic.WithName("block"))
	require.NoError(t, err)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), e.sleeper(5), periodic.WithName("job"))
	require.NoError(t, err)
	e.s.Start()
	block.RunNow()
	now := []*periodic.Future[int]{job.RunNow(), job.RunNow(), job.RunNow()}
	e.advance(22 * time.Second) // block 0-10, then job 10-15, 15-20, 20-25
	require.NoError(t, now[0].Err())
	require.NoError(t, now[1].Err())
	require.ErrorIs(t, now[2].Err(), periodic.ErrInvalidState) // pending: in flight
	late := job.RunNow()                                       // waits behind the one in flight
	job.Remove()
	require.ErrorIs(t, late.Err(), periodic.ErrClosed)
	e.advance(5 * time.Second)
	require.NoError(t, now[2].Err())
	require.Equal(t, []string{"  0s start 10", " 10s end 10", " 10s start 5", " 15s end 5", " 15s start 5",
		" 20s end 5", " 20s start 5", " 25s end 5"}, e.lines())
	require.Equal(t, 3, job.Stats().Runs)
	require.Zero(t, job.Stats().Skips)
}

// TestMaxConcurrencyCancelWaiting checks that cancelling a run that waits
// for a slot settles it at once and frees its job's place in the queue.
func TestMaxConcurrencyCancelWaiting(t *testing.T) {
	e := newEnv(t, quiet, periodic.WithMaxConcurrency(1))
	long, err := periodic.Schedule(e.s, periodic.Every(time.Hour), e.sleeper(30), periodic.WithName("long"))
	require.NoError(t, err)
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), e.sleeper(1), periodic.WithName("short"))
	require.NoError(t, err)
	e.s.Start()
	long.RunNow()
	waiting := job.RunNow()
	e.advance(5 * time.Second)
	require.True(t, waiting.Cancel())
	require.True(t, waiting.Cancelled())
	e.advance(5 * time.Second) // the 10 s tick takes the freed place instead of being skipped
	require.Zero(t, job.Stats().Skips)
	e.advance(25 * time.Second)
	require.Equal(t, []string{ // 20 s skipped: the 10 s tick waits; 30 s waits behind it
		"  0s start 30", " 30s end 30", " 30s start 1", " 31s end 1", " 31s start 1", " 32s end 1"}, e.lines())
	st := job.Stats()
	require.Equal(t, 2, st.Runs)
	require.Equal(t, 1, st.Skips)
}
