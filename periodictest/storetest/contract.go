package storetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/periodic-go/periodic"
)

// base is the suite's epoch: ticks are base + k seconds.
var base = time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC)

// sec returns base + k seconds.
func sec(k int) time.Time { return base.Add(time.Duration(k) * time.Second) }

// ttl is the lease TTL of the contract tests.
const ttl = 10 * time.Second

// claimAt builds a claim of job's tick k by holder at now, in mode m.
func claimAt(job string, k int, holder string, now time.Time, m periodic.ClaimMode) periodic.Claim {
	return periodic.Claim{Job: job, Tick: sec(k), Holder: holder, Token: fmt.Sprintf("%s-%d-%d", holder, k, now.UnixNano()),
		Now: now, TTL: ttl, Mode: m, Buffer: 1}
}

// runContract runs the contract tests.
func runContract(t *testing.T, newStore func(*testing.T) periodic.Store, cfg *config) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st periodic.Store)
	}{
		{"BadInput", testBadInput},
		{"FencingMark", testFencingMark},
		{"SkewedReplicasRace", testSkewedRace},
		{"BackwardClock", testBackwardClock},
		{"LeaseRenewAndExpiry", testLease},
		{"TakeOver", testTakeOver},
		{"OverlapSkip", testSkip},
		{"OverlapQueue", testQueue},
		{"OverlapReplace", testReplace},
		{"Pause", testPause},
		{"History", testHistory},
		{"Ranges", testRanges},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
	t.Run("Outage", func(t *testing.T) {
		st, down, up := outage(t, cfg)
		testOutage(t, st, down, up)
	})
}

// outage returns the store of WithOutage, or skips the test without one
// (fails it when CI=true).
func outage(t *testing.T, cfg *config) (st periodic.Store, down, up func()) {
	t.Helper()
	if cfg.outage == nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("storetest: no WithOutage given")
		}
		t.Skip("storetest: no WithOutage given")
	}
	return cfg.outage(t)
}

// mustClaim claims c and checks the status.
func mustClaim(t *testing.T, st periodic.Store, c periodic.Claim, want periodic.ClaimStatus) periodic.Grant {
	t.Helper()
	g, err := st.Claim(context.Background(), c)
	require.NoError(t, err, "claim of %s at %v", c.Job, c.Tick)
	require.Equal(t, want.String(), g.Status.String(), "claim of %s tick %v by %s", c.Job, c.Tick, c.Holder)
	if want == periodic.StatusWon {
		require.Equal(t, c.Token, g.Lease.Token)
		require.True(t, g.Lease.Tick.Equal(g.Tick))
	}
	return g
}

// release releases g's lease with a successful record.
func release(t *testing.T, st periodic.Store, g periodic.Grant, next periodic.Claim) periodic.Grant {
	t.Helper()
	rec := periodic.RunRecord{Tick: g.Tick, Start: g.Tick, End: g.Tick.Add(time.Second)}
	r, err := st.Release(context.Background(), g.Lease, rec, 8, next)
	require.NoError(t, err)
	return r
}

// load loads job's state.
func load(t *testing.T, st periodic.Store, job string) periodic.JobState {
	t.Helper()
	s, err := st.Load(context.Background(), job)
	require.NoError(t, err)
	return s
}

func testBadInput(t *testing.T, st periodic.Store) {
	ctx := context.Background()
	good := claimAt("job", 1, "r", sec(1), periodic.ClaimAllow)
	bad := func(mut func(*periodic.Claim)) periodic.Claim { c := good; mut(&c); return c }
	for _, c := range []struct {
		claim periodic.Claim
		names string
	}{
		{bad(func(c *periodic.Claim) { c.Job = "" }), "empty job name"},
		{bad(func(c *periodic.Claim) { c.Tick = time.Time{} }), "zero tick"},
		{bad(func(c *periodic.Claim) { c.Token = "" }), "empty token"},
		{bad(func(c *periodic.Claim) { c.TTL = 0 }), "TTL 0s"},
		{bad(func(c *periodic.Claim) { c.Mode, c.Buffer = periodic.ClaimQueue, 0 }), "buffer 0"},
	} {
		_, err := st.Claim(ctx, c.claim)
		require.ErrorIs(t, err, periodic.ErrInvalid, c.names)
		require.ErrorContains(t, err, c.names)
	}
	ref := periodic.LeaseRef{Job: "", Tick: sec(1), Token: "x"}
	_, err := st.Renew(ctx, ref, sec(1), ttl)
	require.ErrorIs(t, err, periodic.ErrInvalid)
	require.ErrorContains(t, err, "empty job name")
	_, err = st.Release(ctx, periodic.LeaseRef{Job: "j", Tick: sec(1)}, periodic.RunRecord{}, 1, periodic.Claim{})
	require.ErrorContains(t, err, "empty token")
	_, err = st.Load(ctx, "")
	require.ErrorContains(t, err, "empty job name")
	require.ErrorContains(t, st.SetPause(ctx, "", true, "x", sec(1)), "empty job name")
	require.ErrorIs(t, st.SetPause(ctx, "j", false, "", time.Time{}), periodic.ErrInvalid)
	require.ErrorContains(t, st.ClaimRange(ctx, "", sec(1), sec(2), "r"), "empty job name")
	require.ErrorIs(t, st.ClaimRange(ctx, "j", sec(2), sec(1), "r"), periodic.ErrInvalid)
	require.Equal(t, periodic.JobState{}, load(t, st, "job"), "bad claims write nothing")
}

func testFencingMark(t *testing.T, st periodic.Store) {
	g := mustClaim(t, st, claimAt("a", 10, "r1", sec(10), periodic.ClaimAllow), periodic.StatusWon)
	require.True(t, g.Tick.Equal(sec(10)))
	mustClaim(t, st, claimAt("a", 10, "r2", sec(10), periodic.ClaimAllow), periodic.StatusLost)
	mustClaim(t, st, claimAt("a", 10, "r1", sec(11), periodic.ClaimAllow), periodic.StatusLost)
	mustClaim(t, st, claimAt("a", 9, "r2", sec(11), periodic.ClaimAllow), periodic.StatusLost)
	c := claimAt("a", 10, "r2", sec(10), periodic.ClaimAllow)
	c.Tick = c.Tick.In(time.FixedZone("JST", 9*3600))
	mustClaim(t, st, c, periodic.StatusLost) // an instant, whatever its zone
	c = claimAt("a", 10, "r2", sec(10), periodic.ClaimAllow)
	c.Tick = c.Tick.Add(time.Nanosecond)
	mustClaim(t, st, c, periodic.StatusWon) // nanoseconds count
	mustClaim(t, st, claimAt("b", 10, "r2", sec(10), periodic.ClaimAllow), periodic.StatusWon)
	s := load(t, st, "a")
	require.True(t, s.Mark.Equal(sec(10).Add(time.Nanosecond)), "mark %v", s.Mark)
	require.Equal(t, periodic.JobState{}, load(t, st, "never"))
}

// testSkewedRace has three replicas, clocks at -2 s, 0 and +2 s, race for
// 200 ticks, each in its own order: each tick is won exactly once.
func testSkewedRace(t *testing.T, st periodic.Store) {
	const ticks = 200
	wins := make([][]string, ticks)
	var mu sync.Mutex // guards wins
	var wg sync.WaitGroup
	for i, skew := range []time.Duration{-2 * time.Second, 0, 2 * time.Second} {
		holder := fmt.Sprintf("r%d", i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range ticks {
				g, err := st.Claim(context.Background(), claimAt("race", k+1, holder, sec(k+1).Add(skew), periodic.ClaimAllow))
				if err != nil {
					t.Errorf("claim %d by %s: %v", k+1, holder, err)
					return
				}
				if g.Status == periodic.StatusWon {
					mu.Lock()
					wins[k] = append(wins[k], holder)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	for k, w := range wins {
		require.Len(t, w, 1, "tick %d won by %v", k+1, w)
	}
}

// testBackwardClock: a replica whose clock jumps back claims ticks it
// already ran; they are lost, never run again.
func testBackwardClock(t *testing.T, st periodic.Store) {
	for k := 1; k <= 5; k++ {
		mustClaim(t, st, claimAt("j", k, "r", sec(k), periodic.ClaimAllow), periodic.StatusWon)
	}
	for k := 2; k <= 5; k++ { // the clock went back to 2
		mustClaim(t, st, claimAt("j", k, "r", sec(k), periodic.ClaimAllow), periodic.StatusLost)
	}
	mustClaim(t, st, claimAt("j", 6, "r", sec(6), periodic.ClaimAllow), periodic.StatusWon)
}

func testLease(t *testing.T, st periodic.Store) {
	ctx := context.Background()
	g := mustClaim(t, st, claimAt("j", 1, "r1", sec(1), periodic.ClaimSkip), periodic.StatusWon)
	ok, err := st.Renew(ctx, g.Lease, sec(9), ttl)
	require.NoError(t, err)
	require.True(t, ok)
	s := load(t, st, "j")
	require.Equal(t, "r1", s.Lease.Holder)
	require.True(t, s.Lease.Expires.Equal(sec(19)), "expires %v", s.Lease.Expires)
	// Renewed until 19: still live at 18, so tick 18 is skipped.
	mustClaim(t, st, claimAt("j", 18, "r2", sec(18), periodic.ClaimSkip), periodic.StatusSkipped)
	// Expired at 19: without takeover the new tick wins, the old run is
	// not rerun, and the old holder learns it lost the lease.
	g2 := mustClaim(t, st, claimAt("j", 19, "r2", sec(19), periodic.ClaimSkip), periodic.StatusWon)
	require.True(t, g2.Tick.Equal(sec(19)))
	require.False(t, g2.TakeOver)
	ok, err = st.Renew(ctx, g.Lease, sec(20), ttl)
	require.NoError(t, err)
	require.False(t, ok, "the expired holder's lease is gone")
	r := release(t, st, g, periodic.Claim{})
	require.Equal(t, periodic.StatusLost, r.Status, "release of a lost lease")
	r = release(t, st, g2, periodic.Claim{})
	require.Equal(t, periodic.StatusWon, r.Status)
	require.True(t, r.Tick.IsZero())
	s = load(t, st, "j")
	require.Empty(t, s.Lease.Token, "released")
	require.Equal(t, periodic.StoreCounts{Runs: 2, Successes: 2, Skips: 1}, s.Counts)
}

// testTakeOver: the holder of tick 1 dies; with TakeOver, the next claim
// reruns tick 1 and its own tick waits behind it.
func testTakeOver(t *testing.T, st periodic.Store) {
	for _, m := range []periodic.ClaimMode{periodic.ClaimAllow, periodic.ClaimSkip, periodic.ClaimQueue} {
		job := fmt.Sprint("job", m)
		mustClaim(t, st, claimAt(job, 1, "dead", sec(1), m), periodic.StatusWon)
		live := claimAt(job, 5, "r2", sec(5), m)
		live.TakeOver = true
		mustClaim(t, st, live, map[periodic.ClaimMode]periodic.ClaimStatus{
			periodic.ClaimAllow: periodic.StatusWon, periodic.ClaimSkip: periodic.StatusSkipped,
			periodic.ClaimQueue: periodic.StatusQueued}[m])
		c := claimAt(job, 20, "r2", sec(20), m) // the lease expired at 11
		c.TakeOver = true
		g, err := st.Claim(context.Background(), c)
		require.NoError(t, err)
		require.Equal(t, periodic.StatusWon, g.Status)
		require.True(t, g.TakeOver)
		holder := map[periodic.ClaimMode]int{periodic.ClaimAllow: 5, periodic.ClaimSkip: 1, periodic.ClaimQueue: 1}[m]
		require.True(t, g.Tick.Equal(sec(holder)), "%v: takes over %v", m, g.Tick)
		next := claimAt(job, 0, "r2", sec(21), m)
		r := release(t, st, g, next)
		require.Equal(t, periodic.StatusWon, r.Status)
		want := []int{20}
		if m == periodic.ClaimQueue {
			want = []int{5, 20}
		}
		for i, k := range want {
			require.True(t, r.Tick.Equal(sec(k)), "%v: hands over %v", m, r.Tick)
			next = claimAt(job, 0, "r2", sec(22+i), m)
			r = release(t, st, r, next)
		}
		require.True(t, r.Tick.IsZero())
	}
}

func testSkip(t *testing.T, st periodic.Store) {
	g := mustClaim(t, st, claimAt("j", 1, "r1", sec(1), periodic.ClaimSkip), periodic.StatusWon)
	mustClaim(t, st, claimAt("j", 2, "r2", sec(2), periodic.ClaimSkip), periodic.StatusSkipped)
	mustClaim(t, st, claimAt("j", 2, "r1", sec(2), periodic.ClaimSkip), periodic.StatusLost) // skipped once
	release(t, st, g, claimAt("j", 0, "r1", sec(3), periodic.ClaimSkip))
	mustClaim(t, st, claimAt("j", 3, "r2", sec(3), periodic.ClaimSkip), periodic.StatusWon)
	require.Equal(t, 1, load(t, st, "j").Counts.Skips)
}

func testQueue(t *testing.T, st periodic.Store) {
	q := func(k int, holder string, buf int) periodic.Claim {
		c := claimAt("j", k, holder, sec(k), periodic.ClaimQueue)
		c.Buffer = buf
		return c
	}
	g := mustClaim(t, st, q(1, "r1", 2), periodic.StatusWon)
	mustClaim(t, st, q(2, "r2", 2), periodic.StatusQueued)
	mustClaim(t, st, q(2, "r1", 2), periodic.StatusLost)
	mustClaim(t, st, q(3, "r1", 2), periodic.StatusQueued)
	mustClaim(t, st, q(4, "r2", 2), periodic.StatusSkipped) // the buffer holds 2
	require.Equal(t, []time.Time{sec(2), sec(3)}, utc(load(t, st, "j").Pending))
	// r1 releases tick 1 and is handed tick 2, then 3, then nothing.
	for _, k := range []int{2, 3} {
		g = release(t, st, g, q(0, "r1", 2))
		require.Equal(t, periodic.StatusWon, g.Status)
		require.True(t, g.Tick.Equal(sec(k)), "handed %v", g.Tick)
		mustClaim(t, st, q(k+3, "r2", 2), periodic.StatusQueued) // behind the handed-over run
		s := load(t, st, "j")
		require.Equal(t, "r1", s.Lease.Holder)
		require.True(t, s.Lease.Tick.Equal(sec(k)))
		require.Len(t, s.Pending, 2)
	}
	g = release(t, st, g, q(0, "r1", 2))
	require.True(t, g.Tick.Equal(sec(5)))
	g = release(t, st, g, q(0, "r1", 2))
	require.True(t, g.Tick.Equal(sec(6)))
	g = release(t, st, g, q(0, "r1", 2))
	require.True(t, g.Tick.IsZero())
	require.Equal(t, periodic.StoreCounts{Runs: 5, Successes: 5, Skips: 1}, load(t, st, "j").Counts)
	testQueueClosing(t, st)
}

func testReplace(t *testing.T, st periodic.Store) {
	ctx := context.Background()
	g := mustClaim(t, st, claimAt("j", 1, "r1", sec(1), periodic.ClaimReplace), periodic.StatusWon)
	g2 := mustClaim(t, st, claimAt("j", 2, "r2", sec(2), periodic.ClaimReplace), periodic.StatusWon)
	ok, err := st.Renew(ctx, g.Lease, sec(3), ttl)
	require.NoError(t, err)
	require.False(t, ok, "the replaced run's renewal fails, so its replica cancels it")
	ok, err = st.Renew(ctx, g2.Lease, sec(3), ttl)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, periodic.StatusLost, release(t, st, g, periodic.Claim{}).Status)
	require.Equal(t, periodic.StatusWon, release(t, st, g2, periodic.Claim{}).Status)
}

func testPause(t *testing.T, st periodic.Store) {
	ctx := context.Background()
	mustClaim(t, st, claimAt("j", 1, "r1", sec(1), periodic.ClaimAllow), periodic.StatusWon)
	require.NoError(t, st.SetPause(ctx, "j", true, "maintenance until 04:00", sec(1)))
	mustClaim(t, st, claimAt("j", 2, "r2", sec(2), periodic.ClaimAllow), periodic.StatusPaused)
	s := load(t, st, "j")
	require.True(t, s.Paused)
	require.Equal(t, "maintenance until 04:00", s.Reason)
	require.True(t, s.Mark.Equal(sec(1)), "a paused claim leaves the mark")
	require.NoError(t, st.SetPause(ctx, "j", false, "", sec(5)))
	s = load(t, st, "j")
	require.False(t, s.Paused)
	require.Empty(t, s.Reason)
	require.True(t, s.Mark.Equal(sec(5)), "a resume moves the mark to its instant: %v", s.Mark)
	for k := 2; k <= 5; k++ { // the ticks missed while paused, up to the resume, are never claimed
		mustClaim(t, st, claimAt("j", k, "r2", sec(6), periodic.ClaimAllow), periodic.StatusLost)
	}
	mustClaim(t, st, claimAt("j", 6, "r2", sec(6), periodic.ClaimAllow), periodic.StatusWon)
	require.NoError(t, st.SetPause(ctx, "j", true, "again", sec(6)))
	require.NoError(t, st.SetPause(ctx, "j", false, "", sec(3)))
	require.True(t, load(t, st, "j").Mark.Equal(sec(6)), "a resume never moves the mark back")
	require.NoError(t, st.SetPause(ctx, "j", false, "", sec(9)))
	require.True(t, load(t, st, "j").Mark.Equal(sec(6)), "the resume of a job that is not paused leaves the mark")
	require.NoError(t, st.SetPause(ctx, "fresh", true, "before any claim", sec(1)))
	mustClaim(t, st, claimAt("fresh", 1, "r", sec(1), periodic.ClaimAllow), periodic.StatusPaused)
	require.True(t, load(t, st, "fresh").Mark.IsZero(), "a pause leaves the mark")
}

func testHistory(t *testing.T, st periodic.Store) {
	ctx := context.Background()
	for k := 1; k <= 10; k++ {
		g := mustClaim(t, st, claimAt("j", k, "r", sec(k), periodic.ClaimAllow), periodic.StatusWon)
		rec := periodic.RunRecord{Tick: sec(k), Start: sec(k), End: sec(k).Add(time.Millisecond)}
		if k%3 == 0 {
			rec.Err = errors.New("boom " + fmt.Sprint(k))
		}
		_, err := st.Release(ctx, g.Lease, rec, 3, periodic.Claim{})
		require.NoError(t, err)
	}
	s := load(t, st, "j")
	require.Equal(t, periodic.StoreCounts{Runs: 10, Successes: 7, Failures: 3}, s.Counts)
	require.Len(t, s.History, 3, "bounded by keep")
	for i, k := range []int{8, 9, 10} {
		h := s.History[i]
		require.True(t, h.Tick.Equal(sec(k)), "history[%d] %v", i, h.Tick)
		require.True(t, h.Start.Equal(sec(k)))
		require.True(t, h.End.Equal(sec(k).Add(time.Millisecond)))
	}
	require.NoError(t, s.History[0].Err)
	require.EqualError(t, s.History[1].Err, "boom 9")
}

// testOutage: while the backend is down every call fails with an error
// that is neither ErrInvalid nor ErrClaimed; when it is back, the state
// is intact and a tick claimed before the outage is still lost.
func testOutage(t *testing.T, st periodic.Store, down, up func()) {
	ctx := context.Background()
	g := mustClaim(t, st, claimAt("j", 1, "r", sec(1), periodic.ClaimAllow), periodic.StatusWon)
	down()
	_, err := st.Claim(ctx, claimAt("j", 2, "r", sec(2), periodic.ClaimAllow))
	require.Error(t, err)
	require.NotErrorIs(t, err, periodic.ErrInvalid)
	require.NotErrorIs(t, err, periodic.ErrClaimed)
	_, err = st.Renew(ctx, g.Lease, sec(2), ttl)
	require.Error(t, err)
	_, err = st.Load(ctx, "j")
	require.Error(t, err)
	up()
	mustClaim(t, st, claimAt("j", 1, "r2", sec(3), periodic.ClaimAllow), periodic.StatusLost)
	mustClaim(t, st, claimAt("j", 3, "r2", sec(3), periodic.ClaimAllow), periodic.StatusWon)
	require.Equal(t, periodic.StatusLost, release(t, st, g, periodic.Claim{}).Status)
}

// utc returns ts in UTC, for comparisons of instants with Equal semantics.
func utc(ts []time.Time) []time.Time {
	out := make([]time.Time, len(ts))
	for i, x := range ts {
		out[i] = x.UTC()
	}
	return out
}
