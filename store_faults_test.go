package periodic_test

import (
	"context"
	"errors"
	"log/slog"
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
