package periodic_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// TestBufferOneVersusBufferAll runs a 25 s job every 10 s under each
// buffer policy.
func TestBufferOneVersusBufferAll(t *testing.T) {
	cases := []struct {
		policy periodic.Overlap
		starts []float64
		skips  int
	}{
		{periodic.OverlapBufferAll, []float64{10, 35, 60, 85}, 0}, // every tick waits its turn
		{periodic.OverlapBufferOne, []float64{10, 35, 60, 85}, 4}, // 30, 50, 70, 80 s find the buffer full
	}
	for _, c := range cases {
		t.Run(c.policy.String(), func(t *testing.T) {
			e := newEnv(t)
			var starts []float64
			job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
				starts = append(starts, e.m.Now().Sub(t0).Seconds())
				return 0, periodic.Sleep(ctx, 25*time.Second)
			}, periodic.WithOverlap(c.policy), periodic.WithStopAt(at(80)))
			require.NoError(t, err)
			e.s.Start()
			e.advance(100 * time.Second)
			require.Equal(t, c.starts, starts)
			require.Equal(t, c.skips, job.Stats().Skips)
		})
	}
}

// TestCatchupWindow jumps the clock an hour and keeps only the ticks of
// the last ten minutes, under each misfire policy.
func TestCatchupWindow(t *testing.T) {
	cases := []struct {
		policy  periodic.Misfire
		ticks   []time.Time
		dropped int // 120 s .. 2880 s are older than 10 min, and the late ticks the policy does not run
	}{
		{periodic.MisfireCoalesce, []time.Time{at(3600)}, 24 + 5},
		{periodic.MisfireCoalesceEarliest, []time.Time{at(3000), at(3600)}, 24 + 4},
		{periodic.MisfireCatchUp, []time.Time{at(3000), at(3120), at(3240), at(3360), at(3480), at(3600)}, 24},
		{periodic.MisfireSkip, []time.Time{at(3600)}, 24 + 5},
	}
	for _, c := range cases {
		t.Run(c.policy.String(), func(t *testing.T) {
			e := newEnv(t)
			var ticks []time.Time
			job, err := periodic.Schedule(e.s, periodic.Every(2*time.Minute), func(ctx context.Context) (int, error) {
				ticks = append(ticks, periodic.TickFrom(ctx))
				return 0, nil
			}, periodic.WithMisfire(c.policy), periodic.WithCatchupWindow(10*time.Minute))
			require.NoError(t, err)
			e.s.Start()
			e.advance(0)
			e.m.Add(time.Hour) // the process was paused for an hour
			e.advance(0)
			require.Equal(t, c.ticks, ticks)
			st := job.Stats()
			require.Equal(t, c.dropped, st.Dropped)
			require.Equal(t, 24+5, st.Misfires) // and 3000 .. 3480 s are late
			require.True(t, job.NextRun().Equal(at(3720)))
		})
	}
}

// TestBackfillCronAcrossDST backfills a day of an hourly cron job on the
// fall-back day in New York: 25 ticks, run one after another.
func TestBackfillCronAcrossDST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	e := newEnv(t, periodic.WithLocation(ny))
	hourly, err := periodic.Cron("0 * * * *")
	require.NoError(t, err)
	var ticks []string
	job, err := periodic.Schedule(e.s, hourly, func(ctx context.Context) (string, error) {
		tick := periodic.TickFrom(ctx).In(ny).Format("15:04 MST")
		ticks = append(ticks, tick)
		return tick, periodic.Sleep(ctx, time.Minute)
	})
	require.NoError(t, err)
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, ny)
	next := time.Date(2026, 11, 2, 0, 0, 0, 0, ny) // 25 hours later
	e.m.Set(next.Add(time.Minute))                 // the day is past: no live tick within the next hour
	e.s.Start()
	futures, err := job.Backfill(context.Background(), day, next.Add(-time.Second))
	require.NoError(t, err)
	require.Len(t, futures, 25)
	e.advance(30 * time.Minute)
	require.Len(t, ticks, 25) // one minute each, in order
	require.Equal(t, []string{"00:00 EDT", "01:00 EDT", "01:00 EST", "02:00 EST"}, ticks[:4])
	require.Equal(t, "23:00 EST", ticks[24])
	for i, f := range futures {
		v, err := f.Result()
		require.NoError(t, err)
		require.Equal(t, ticks[i], v)
	}
}

// TestBackfillEveryIsAnchoredAndCancellable checks that Every's backfilled
// ticks sit on the job's grid, that OverlapAllow starts them together, and
// that cancelling ctx cancels them.
func TestBackfillEveryIsAnchoredAndCancellable(t *testing.T) {
	e := newEnv(t)
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (time.Time, error) {
		return periodic.TickFrom(ctx), periodic.Sleep(ctx, time.Hour)
	}, periodic.WithStartAt(at(5)), periodic.WithLimit(1))
	require.NoError(t, err)
	e.s.Start()
	ctx, cancel := context.WithCancel(context.Background())
	futures, err := job.Backfill(ctx, at(-40), at(-10), periodic.OverlapAllow)
	require.NoError(t, err)
	require.Len(t, futures, 3) // -35, -25, -15
	e.advance(0)
	require.Equal(t, 3, job.Stats().InFlight)
	cancel()
	e.advance(0)
	for _, f := range futures {
		require.True(t, f.Cancelled())
	}
	_, err = job.Backfill(ctx, at(10), at(0))
	require.ErrorIs(t, err, periodic.ErrInvalid)
	require.Contains(t, err.Error(), "to is before from")
	_, err = job.Backfill(ctx, at(0), at(10), periodic.OverlapSkip)
	require.ErrorIs(t, err, periodic.ErrInvalid)
	_, err = job.Backfill(ctx, at(0), at(10_000_000))
	require.ErrorIs(t, err, periodic.ErrInvalid)
	require.Contains(t, err.Error(), "more than 100000 ticks")
}

// TestPauseOnFailure pauses a job whose run failed after its retries, and
// not one that was cancelled.
func TestPauseOnFailure(t *testing.T) {
	e := newEnv(t)
	boom := errors.New("boom")
	attempts := 0
	job, err := periodic.Schedule(e.s, periodic.Every(time.Minute), func(ctx context.Context) (int, error) {
		attempts++
		return 0, boom
	}, periodic.WithPauseOnFailure(), periodic.WithRetry(periodic.Retry{Retries: 2, Initial: time.Second}))
	require.NoError(t, err)
	e.s.Start()
	e.advance(10 * time.Minute)
	require.Equal(t, 3, attempts) // one run, two retries, then paused
	require.True(t, job.Paused())
	require.ErrorIs(t, job.PauseReason(), boom)
	d := job.Describe(5)
	require.True(t, d.Paused)
	require.Empty(t, d.NextRuns)
	require.Len(t, d.LastRuns, 1)
	require.Equal(t, at(60), d.LastRuns[0].Tick)
	require.Equal(t, at(63), d.LastRuns[0].End)
	job.Resume()
	require.NoError(t, job.PauseReason())
	require.True(t, job.NextRun().Equal(at(660)))
}

// TestPreviousAndDescribe checks that a run sees the previous run's
// outcome and Describe's next and last runs.
func TestPreviousAndDescribe(t *testing.T) {
	e := newEnv(t)
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		prev := periodic.Previous[int](ctx)
		if prev == nil {
			return 1, nil
		}
		v, err := prev.Result()
		return v + 1, err
	}, periodic.WithHistory(2), periodic.WithLimit(5), periodic.WithName("counter"))
	require.NoError(t, err)
	e.s.Start()
	e.advance(30 * time.Second)
	v, err := job.Last().Result()
	require.NoError(t, err)
	require.Equal(t, 3, v)
	d := job.Describe(10)
	require.Equal(t, "counter", d.Name)
	require.Equal(t, "every 10s", d.Trigger)
	require.Equal(t, []time.Time{at(40), at(50)}, d.NextRuns) // the limit leaves two
	require.Len(t, d.LastRuns, 2)
	require.Equal(t, at(20), d.LastRuns[0].Tick)
	require.Equal(t, at(30), d.LastRuns[1].Tick)
	require.Nil(t, periodic.Previous[int](context.Background()))
	require.Len(t, job.Describe(1).LastRuns, 1)
}

// TestDescribeCapsN checks that Describe reads n within [0, MaxDescribe]:
// a huge n lists MaxDescribe activations rather than exhausting memory.
func TestDescribeCapsN(t *testing.T) {
	e := newEnv(t)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Second), func(context.Context) (int, error) { return 1, nil })
	require.NoError(t, err)
	e.s.Start()
	for _, tc := range []struct {
		n, want int
	}{{-1, 0}, {0, 0}, {3, 3}, {periodic.MaxDescribe, 1000}, {periodic.MaxDescribe + 1, 1000}, {1 << 30, 1000}} {
		d := job.Describe(tc.n)
		require.Len(t, d.NextRuns, tc.want, "Describe(%d)", tc.n)
		if tc.want > 0 {
			require.Equal(t, at(1), d.NextRuns[0])
			require.Equal(t, at(float64(tc.want)), d.NextRuns[tc.want-1])
		}
	}
}
