package periodic_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/periodic-go/periodic"
	"github.com/stretchr/testify/require"
)

// Faults 6-19 of issue #11: where a run waits, who starts it, and what its
// context and books say.

// Fault 6: cancelling a run waiting for a slot left the job's queued tick
// with no owner; the job never ran again.
func TestFaultCancelSlotWaitKeepsQueueOwned(t *testing.T) {
	e := newEnv(t, quiet, periodic.WithMaxConcurrency(1))
	block, err := periodic.Schedule(e.s, periodic.Every(time.Hour), e.sleeper(30), periodic.WithName("block"))
	require.NoError(t, err)
	var runs atomic.Int32
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		runs.Add(1)
		return 0, periodic.Sleep(ctx, time.Second)
	}, periodic.WithOverlap(periodic.OverlapQueue))
	require.NoError(t, err)
	e.s.Start()
	block.RunNow()
	waiting := job.RunNow()
	e.advance(10 * time.Second) // the 10 s tick queues behind the waiting RunNow
	require.True(t, waiting.Cancel())
	e.advance(80 * time.Second)
	require.GreaterOrEqual(t, runs.Load(), int32(6))
}

// Fault 7: a queued tick refused because a RunNow held its job's slot
// place vanished: no run, no skip.
func TestFaultQueuedTickNotLost(t *testing.T) {
	e := newEnv(t, quiet, periodic.WithMaxConcurrency(1))
	other, err := periodic.Schedule(e.s, periodic.Every(time.Hour), e.sleeper(5), periodic.WithName("other"))
	require.NoError(t, err)
	var ticks []time.Duration
	var mu sync.Mutex
	job, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		mu.Lock()
		ticks = append(ticks, periodic.TickFrom(ctx).Sub(t0))
		mu.Unlock()
		return 0, periodic.Sleep(ctx, 15*time.Second)
	}, periodic.WithOverlap(periodic.OverlapQueue), periodic.WithLimit(2))
	require.NoError(t, err)
	e.s.Start()
	e.advance(21 * time.Second) // tick 10 runs, tick 20 queued
	other.RunNow()              // waits for the slot first
	job.RunNow()                // takes the job's place in the slot queue
	e.advance(60 * time.Second)
	mu.Lock()
	defer mu.Unlock()
	require.Contains(t, ticks, 20*time.Second)
	require.Equal(t, 3, job.Stats().Runs)
}

// Fault 8: Backfill after Remove refused its runs recursively.
func TestFaultBackfillAfterRemove(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Second), func(context.Context) (int, error) { return 1, nil },
		periodic.WithStartAt(t0))
	require.NoError(t, err)
	e.s.Start()
	job.Remove()
	_, err = job.Backfill(context.Background(), t0.Add(-1000*time.Second), t0)
	require.ErrorIs(t, err, periodic.ErrClosed)
	require.Zero(t, job.Stats().Skips)
}

// Fault 9: under WithMaxConcurrency(1), with a live tick waiting for the
// slot, backfilled runs failed as skipped.
func TestFaultBackfillWaitsForSlot(t *testing.T) {
	e := newEnv(t, quiet, periodic.WithMaxConcurrency(1))
	block, err := periodic.Schedule(e.s, periodic.Every(time.Hour), e.sleeper(10), periodic.WithName("block"))
	require.NoError(t, err)
	job, err := periodic.Schedule(e.s, periodic.Every(5*time.Second), func(context.Context) (int, error) { return 1, nil },
		periodic.WithStartAt(t0), periodic.WithLimit(1))
	require.NoError(t, err)
	e.s.Start()
	block.RunNow()
	e.advance(5 * time.Second) // the live tick waits for the slot
	fs, err := job.Backfill(context.Background(), t0.Add(-25*time.Second), t0.Add(-5*time.Second))
	require.NoError(t, err)
	require.Len(t, fs, 5)
	e.advance(10 * time.Second)
	for _, f := range fs {
		require.NoError(t, f.Err())
	}
	require.Zero(t, job.Stats().Skips)
}

// Fault 10: a Backfill whose ctx is already done raced on the run's
// parent watch.
func TestFaultBackfillDoneCtx(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Second), func(ctx context.Context) (int, error) { return 1, ctx.Err() },
		periodic.WithStartAt(t0))
	require.NoError(t, err)
	e.s.Start()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fs, err := job.Backfill(ctx, t0.Add(-5*time.Second), t0.Add(-time.Second))
	require.NoError(t, err)
	e.advance(0)
	for _, f := range fs {
		<-f.Done()
		require.True(t, f.Cancelled())
	}
}

// deadlineLocker records the deadline of the context Claim sees.
type deadlineLocker struct {
	mu sync.Mutex
	dl []time.Time
}

func (l *deadlineLocker) Claim(ctx context.Context, _ string, _ time.Time) (periodic.Lease, error) {
	d, ok := ctx.Deadline()
	if !ok {
		d = time.Time{}
	}
	l.mu.Lock()
	l.dl = append(l.dl, d)
	l.mu.Unlock()
	return funcLease(func() error { return nil }), nil
}

// Fault 11: a run's Deadline changed after its ctx was handed to Claim.
func TestFaultDeadlineFixedBeforeClaim(t *testing.T) {
	l := &deadlineLocker{}
	e := newEnv(t, quiet, periodic.WithLocker(l))
	var seen time.Time
	_, err := periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		seen, _ = ctx.Deadline()
		return 1, nil
	}, periodic.WithTimeout(3*time.Second), periodic.WithLimit(1))
	require.NoError(t, err)
	e.s.Start()
	e.advance(10 * time.Second)
	require.Len(t, l.dl, 1)
	require.False(t, l.dl[0].IsZero())
	require.True(t, l.dl[0].Equal(seen))
}

// Fault 13: Pause before Start was lost.
func TestFaultPauseBeforeStart(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, periodic.Every(time.Second), func(context.Context) (int, error) { return 1, nil })
	require.NoError(t, err)
	job.Pause()
	e.s.Start()
	e.advance(3 * time.Second)
	require.True(t, job.Paused())
	require.Zero(t, job.Stats().Runs)
	job.Resume()
	e.advance(2 * time.Second)
	require.Equal(t, 2, job.Stats().Runs)
}

// selfish is a trigger whose String calls the scheduler.
type selfish struct {
	periodic.Trigger
	s *periodic.Scheduler
}

func (x selfish) String() string { return "selfish of " + string(rune('0'+len(x.s.Jobs()))) }

// Fault 14: Describe formatted the trigger under the scheduler's lock.
func TestFaultDescribeFormatsOutsideLock(t *testing.T) {
	e := newEnv(t, quiet)
	job, err := periodic.Schedule(e.s, selfish{periodic.Every(time.Second), e.s}, func(context.Context) (int, error) { return 1, nil })
	require.NoError(t, err)
	done := make(chan periodic.Description, 1)
	go func() { done <- job.Describe(1) }()
	select {
	case d := <-done:
		require.Equal(t, "selfish of 1", d.Trigger)
	case <-bounded(t, 10*time.Second).Done():
		t.Fatal("Describe deadlocked")
	}
}

// Fault 15: before Start nothing released deadlines: a RunNow that slept
// never woke.
func TestFaultHeapOwnedBeforeStart(t *testing.T) {
	s := periodic.New(quiet)
	job, err := periodic.Schedule(s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
		return 1, periodic.Sleep(ctx, time.Millisecond)
	})
	require.NoError(t, err)
	ctx := bounded(t, 10*time.Second)
	_, err = job.RunNow().Await(ctx)
	require.NoError(t, err)
	require.NoError(t, s.Shutdown(ctx))
}

// Fault 17: OverlapReplace left a run waiting for a slot, which later ran.
func TestFaultReplaceWithdrawsSlotWaiter(t *testing.T) {
	e := newEnv(t, quiet, periodic.WithMaxConcurrency(1))
	block, err := periodic.Schedule(e.s, periodic.Every(time.Hour), e.sleeper(25), periodic.WithName("block"))
	require.NoError(t, err)
	var mu sync.Mutex
	var ran []time.Duration
	_, err = periodic.Schedule(e.s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
		mu.Lock()
		ran = append(ran, periodic.TickFrom(ctx).Sub(t0))
		mu.Unlock()
		return 0, nil
	}, periodic.WithOverlap(periodic.OverlapReplace), periodic.WithLimit(2))
	require.NoError(t, err)
	e.s.Start()
	block.RunNow()
	e.advance(40 * time.Second)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []time.Duration{20 * time.Second}, ran)
}

// Fault 18: a plain goroutine that sleeps on a run's context is detected
// and said, and does not drive the books negative: once it is gone, a
// later run's timeline is exact again.
func TestFaultPlainGoroutineSleepDetected(t *testing.T) {
	rec := &logRecorder{}
	e := newEnv(t, periodic.WithLogger(slog.New(rec)))
	var wg sync.WaitGroup
	misuse, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
		wg.Add(2)
		for range 2 {
			go func() { defer wg.Done(); _ = periodic.Sleep(ctx, time.Second) }()
		}
		return 0, periodic.Sleep(ctx, 2*time.Second)
	})
	require.NoError(t, err)
	var woke []time.Duration
	later, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(ctx context.Context) (int, error) {
		err := periodic.Sleep(ctx, 5*time.Second)
		woke = append(woke, e.s.Now().Sub(t0))
		return 0, err
	})
	require.NoError(t, err)
	e.s.Start()
	misuse.RunNow()
	e.advance(3 * time.Second)
	wg.Wait()
	require.Contains(t, strings.Join(rec.take(), "\n"), "periodic.Go")
	later.RunNow()
	e.advance(10 * time.Second)
	require.Equal(t, []time.Duration{8 * time.Second}, woke)
}

// Fault 19: a run's future settled before the run left the books.
func TestFaultBooksCloseBeforeSettle(t *testing.T) {
	e := newEnv(t, quiet, periodic.WithMaxConcurrency(1))
	job, err := periodic.Schedule(e.s, periodic.Every(time.Hour), func(context.Context) (int, error) { return 1, nil })
	require.NoError(t, err)
	e.s.Start()
	for i := 1; i <= 200; i++ {
		f := job.RunNow()
		<-f.Done()
		st := job.Stats()
		require.Equal(t, i, st.Runs)
		require.Zero(t, st.InFlight)
	}
}
