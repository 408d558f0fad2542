package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/periodic-go/periodic"
)

// testQueueClosing: a replica that shuts down releases its run with no
// next claim; the ticks buffered behind it stay pending, and the next
// claim of the job, by another replica, wins the oldest of them while
// its own tick waits behind it. Each buffered tick runs once.
func testQueueClosing(t *testing.T, st periodic.Store) {
	q := func(k int, holder string) periodic.Claim {
		c := claimAt("k", k, holder, sec(k), periodic.ClaimQueue)
		c.Buffer = 2
		return c
	}
	g := mustClaim(t, st, q(1, "r1"), periodic.StatusWon)
	mustClaim(t, st, q(2, "r2"), periodic.StatusQueued)
	g = release(t, st, g, periodic.Claim{}) // r1 shuts down
	require.Equal(t, periodic.StatusWon, g.Status)
	require.True(t, g.Tick.IsZero(), "a closing replica is handed nothing")
	s := load(t, st, "k")
	require.Empty(t, s.Lease.Token)
	require.Equal(t, []time.Time{sec(2)}, utc(s.Pending))
	g = mustClaim(t, st, q(3, "r2"), periodic.StatusWon)
	require.True(t, g.Tick.Equal(sec(2)), "the oldest pending tick first: %v", g.Tick)
	require.True(t, g.Lease.Tick.Equal(sec(2)))
	require.False(t, g.TakeOver)
	s = load(t, st, "k")
	require.Equal(t, "r2", s.Lease.Holder)
	require.Equal(t, []time.Time{sec(3)}, utc(s.Pending))
	g = release(t, st, g, q(0, "r2"))
	require.True(t, g.Tick.Equal(sec(3)))
	g = release(t, st, g, q(0, "r2"))
	require.True(t, g.Tick.IsZero())
	require.Equal(t, periodic.StoreCounts{Runs: 3, Successes: 3}, load(t, st, "k").Counts)
}

// testRanges: a Backfill range is claimed once: any range that overlaps
// a kept one, ends included, is refused, naming its holder; the mark
// ignores ranges; the 100 ranges that end last are kept.
func testRanges(t *testing.T, st periodic.Store) {
	ctx := context.Background()
	mustClaim(t, st, claimAt("j", 100, "r", sec(100), periodic.ClaimAllow), periodic.StatusWon)
	require.NoError(t, st.ClaimRange(ctx, "j", sec(1), sec(50), "r1"))
	err := st.ClaimRange(ctx, "j", sec(1), sec(50), "r2")
	require.ErrorIs(t, err, periodic.ErrClaimed)
	require.ErrorContains(t, err, "r1")
	for _, r := range [][2]int{{40, 70}, {50, 50}, {0, 1}, {10, 20}, {0, 100}} { // any overlap, ends included
		err = st.ClaimRange(ctx, "j", sec(r[0]), sec(r[1]), "r2")
		require.ErrorIs(t, err, periodic.ErrClaimed, "%v overlaps 1..50", r)
		require.ErrorContains(t, err, "r1")
	}
	require.NoError(t, st.ClaimRange(ctx, "j", sec(51), sec(60), "r2"))
	require.ErrorIs(t, st.ClaimRange(ctx, "j", sec(55), sec(65), "r1"), periodic.ErrClaimed)
	require.NoError(t, st.ClaimRange(ctx, "other", sec(1), sec(50), "r2"))
	for k := 1; k <= 100; k++ { // the 100 ranges that end last are kept
		require.NoError(t, st.ClaimRange(ctx, "many", sec(2*k), sec(2*k), "r"))
	}
	require.ErrorIs(t, st.ClaimRange(ctx, "many", sec(1), sec(2), "r"), periodic.ErrClaimed)
	require.True(t, load(t, st, "j").Mark.Equal(sec(100)), "ranges leave the mark")
	mustClaim(t, st, claimAt("j", 101, "r", sec(101), periodic.ClaimAllow), periodic.StatusWon)
}
