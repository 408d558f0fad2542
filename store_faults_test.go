package periodic_test

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/periodic-go/periodic"
	"github.com/periodic-go/periodic/periodictest"
)

// flakyStore fails the first calls of one of its methods, then passes
// them to the Store it wraps.
type flakyStore struct {
	periodic.Store
	mu    sync.Mutex // guards fails
	fails map[string]int
}

// fail reports whether the call of op fails, counting it down.
func (f *flakyStore) fail(op string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fails[op] > 0 {
		f.fails[op]--
		return true
	}
	return false
}

var errBlip = errors.New("i/o timeout")

func (f *flakyStore) Release(ctx context.Context, l periodic.LeaseRef, rec periodic.RunRecord, keep int, next periodic.Claim) (periodic.Grant, error) {
	if f.fail("release") {
		return periodic.Grant{}, errBlip
	}
	return f.Store.Release(ctx, l, rec, keep, next)
}

func (f *flakyStore) Load(ctx context.Context, job string) (periodic.JobState, error) {
	if f.fail("load") {
		return periodic.JobState{}, errBlip
	}
	return f.Store.Load(ctx, job)
}

func (f *flakyStore) SetPause(ctx context.Context, job string, paused bool, reason string, at time.Time) error {
	if f.fail("pause") {
		return errBlip
	}
	return f.Store.SetPause(ctx, job, paused, reason, at)
}

// TestStoreReleaseRetried: under at least once, a Release that fails
// (one blip, or three) is tried again every quarter of the renewal
// interval (500ms) while the lease lives, so the finished tick is not
// taken over and run again; the failures are store errors.
func TestStoreReleaseRetried(t *testing.T) {
	for _, blips := range []int{1, 3} {
		mem := periodictest.NewStore()
		st := &flakyStore{Store: mem, fails: map[string]int{"release": blips}}
		clk := periodictest.NewClock(t0)
		s := periodic.New(periodic.WithClock(clk), periodic.WithStore(st), periodic.WithReplica("a"),
			periodic.WithLogger(slog.New(slog.DiscardHandler)), periodic.WithLease(6*time.Second, 2*time.Second, true))
		t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
		var mu sync.Mutex
		calls := map[time.Duration]int{}
		j, err := periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
			mu.Lock()
			calls[periodic.TickFrom(ctx).Sub(t0)]++
			mu.Unlock()
			return 0, periodic.Sleep(ctx, time.Second)
		}, periodic.WithName("j"))
		require.NoError(t, err)
		s.Start()
		require.NoError(t, periodictest.Advance(context.Background(), s, clk, 11*time.Second+time.Duration(blips)*500*time.Millisecond))
		state, err := mem.Load(context.Background(), "j")
		require.NoError(t, err)
		require.Empty(t, state.Lease.Token, "%d blips: released at the last retry", blips)
		require.Equal(t, 1, state.Counts.Runs)
		require.NoError(t, periodictest.Advance(context.Background(), s, clk, 25*time.Second))
		require.Equal(t, map[time.Duration]int{10 * time.Second: 1, 20 * time.Second: 1, 30 * time.Second: 1}, calls, "%d blips", blips)
		require.Equal(t, blips, j.Stats().StoreErrors)
	}
}

// pauseCluster is two replicas a and b of a stored job every second
// whose first run fails, with WithPauseOnFailure; calls counts the runs
// per replica.
type pauseCluster struct {
	ss    [2]*periodic.Scheduler
	clks  [2]*periodictest.Clock
	jobs  [2]*periodic.Job[int]
	mu    sync.Mutex // guards calls, failed
	calls map[string]int
	fail  bool
}

func newPauseCluster(t *testing.T, st periodic.Store, opts ...periodic.JobOption) *pauseCluster {
	c := &pauseCluster{calls: map[string]int{}, fail: true}
	for i, name := range []string{"a", "b"} {
		c.ss[i], c.clks[i] = storeReplica(t, st, name, slog.DiscardHandler)
		var err error
		c.jobs[i], err = periodic.Schedule(c.ss[i], periodic.Every(time.Second), func(context.Context) (int, error) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.calls[name]++
			if c.fail {
				c.fail = false
				return 0, errors.New("disk full")
			}
			return 0, nil
		}, append([]periodic.JobOption{periodic.WithName("j")}, opts...)...)
		require.NoError(t, err)
		c.ss[i].Start()
	}
	return c
}

// advance moves both replicas n seconds, a first in each second.
func (c *pauseCluster) advance(t *testing.T, n int) {
	for range n {
		for i := range 2 {
			require.NoError(t, periodictest.Advance(context.Background(), c.ss[i], c.clks[i], time.Second))
		}
	}
}

func (c *pauseCluster) ran() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.calls)
}

// TestStorePauseOnFailureResumeElsewhere: a's run of tick 1 fails and
// pauses the job in the store only; b resumes it, and from the next
// tick the job runs again on a, which claims first: no local pause
// is left on a.
func TestStorePauseOnFailureResumeElsewhere(t *testing.T) {
	c := newPauseCluster(t, periodictest.NewStore(), periodic.WithPauseOnFailure())
	c.advance(t, 3)
	require.Equal(t, map[string]int{"a": 1}, c.ran())
	require.True(t, c.jobs[0].Paused())
	require.True(t, c.jobs[1].Paused())
	c.jobs[1].Resume()
	c.advance(t, 2)
	require.Equal(t, map[string]int{"a": 3}, c.ran(), "ticks 4 and 5 run on a")
	require.False(t, c.jobs[0].Paused())
	require.False(t, c.jobs[1].Paused())
}

// TestStorePauseStoreDown: Pause while the store is unreachable pauses
// the job on this replica, logged at Warn: Paused is true and the job is
// not called, until Resume.
func TestStorePauseStoreDown(t *testing.T) {
	st := periodictest.NewStore()
	h := &records{}
	s, clk := storeReplica(t, st, "a", h)
	calls := 0
	j, err := periodic.Schedule(s, periodic.Every(time.Second), func(context.Context) (int, error) {
		calls++
		return 0, nil
	}, periodic.WithName("j"))
	require.NoError(t, err)
	s.Start()
	require.NoError(t, periodictest.Advance(context.Background(), s, clk, time.Second))
	st.Fail(errBlip)
	j.Pause()
	require.True(t, j.Paused())
	h.mu.Lock()
	require.Contains(t, h.recs, "WARN periodic: store unreachable, job paused on this replica only")
	h.mu.Unlock()
	st.Fail(nil)
	require.NoError(t, periodictest.Advance(context.Background(), s, clk, 3*time.Second))
	require.Equal(t, 1, calls, "paused: ticks 2 to 4 do not run")
	require.True(t, j.Paused())
	j.Resume()
	require.False(t, j.Paused())
	require.NoError(t, periodictest.Advance(context.Background(), s, clk, time.Second))
	require.Equal(t, 2, calls, "tick 5 runs")
}

// TestStoreLoadRetriedAtFirstTick: a replica restarted at 00:00:55 after
// the last claimed tick, 00:00:20, finds the store down for its Load at
// Start. Its first tick, 00:01:00, loads again and catches up the ticks
// 30 to 50 under MisfireCatchUp, as a Load that had not failed would.
func TestStoreLoadRetriedAtFirstTick(t *testing.T) {
	mem := periodictest.NewStore()
	var mu sync.Mutex
	var ticks []time.Duration
	start := func(st periodic.Store, at time.Duration) (*periodic.Scheduler, *periodictest.Clock) {
		clk := periodictest.NewClock(t0.Add(at))
		s := periodic.New(periodic.WithClock(clk), periodic.WithStore(st), periodic.WithLogger(slog.New(slog.DiscardHandler)))
		t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
		_, err := periodic.Schedule(s, periodic.Every(10*time.Second), func(ctx context.Context) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			ticks = append(ticks, periodic.TickFrom(ctx).Sub(t0))
			return 0, nil
		}, periodic.WithName("j"), periodic.WithMisfire(periodic.MisfireCatchUp))
		require.NoError(t, err)
		s.Start()
		return s, clk
	}
	s, clk := start(mem, 0)
	require.NoError(t, periodictest.Advance(context.Background(), s, clk, 25*time.Second))
	require.NoError(t, s.Shutdown(context.Background()))
	s, clk = start(&flakyStore{Store: mem, fails: map[string]int{"load": 1}}, 55*time.Second)
	require.NoError(t, periodictest.Advance(context.Background(), s, clk, 5*time.Second))
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second, 40 * time.Second,
		50 * time.Second, 60 * time.Second}, ticks)
}

// TestStoreLoadRetriedSoon: a daily 02:30 job whose service was down
// from 02:00 to 03:00, restarted at 03:00 with the store down for its
// Load. The job's first tick is tomorrow, so the Load is tried again a
// renewal interval (10s) later, at 03:00:10, and the 02:30 tick runs then
// under MisfireCoalesce instead of never.
func TestStoreLoadRetriedSoon(t *testing.T) {
	trig, err := periodic.Cron("30 2 * * *")
	require.NoError(t, err)
	mem := periodictest.NewStore()
	var mu sync.Mutex
	var ran []string
	start := func(st periodic.Store, at time.Duration) (*periodic.Scheduler, *periodictest.Clock) {
		clk := periodictest.NewClock(t0.Add(at))
		s := periodic.New(periodic.WithClock(clk), periodic.WithStore(st), periodic.WithLocation(time.UTC),
			periodic.WithLogger(slog.New(slog.DiscardHandler)))
		t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
		_, err := periodic.Schedule(s, trig, func(ctx context.Context) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			ran = append(ran, periodic.TickFrom(ctx).Format("02 15:04")+" at "+clk.Now().Format("02 15:04:05"))
			return 0, nil
		}, periodic.WithName("daily"), periodic.WithMisfire(periodic.MisfireCoalesce))
		require.NoError(t, err)
		s.Start()
		return s, clk
	}
	s, clk := start(mem, 2*time.Hour)
	require.NoError(t, periodictest.Advance(context.Background(), s, clk, 24*time.Hour)) // to 02:00 the next day
	require.NoError(t, s.Shutdown(context.Background()))
	s, clk = start(&flakyStore{Store: mem, fails: map[string]int{"load": 1}}, 27*time.Hour)
	require.NoError(t, periodictest.Advance(context.Background(), s, clk, 9*time.Second))
	mu.Lock()
	require.Equal(t, []string{"01 02:30 at 01 02:30:00"}, ran, "not before the retry")
	mu.Unlock()
	require.NoError(t, periodictest.Advance(context.Background(), s, clk, time.Minute))
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"01 02:30 at 01 02:30:00", "02 02:30 at 02 03:00:10"}, ran)
}
