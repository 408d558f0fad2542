package redislock

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/periodic-go/periodic"
)

// start0 is the true time at which the fleets of these tests start: not
// on a tick, so replicas start between ticks.
var start0 = time.Date(2030, 1, 1, 0, 0, 0, 37_000_000, time.UTC)

func TestReplicasRunEachTickOnce(t *testing.T) {
	f := newFleet(t, redisAddr(t), start0)
	const step = 7 * time.Millisecond

	f.start(0)
	f.advance(300*time.Millisecond, step)
	r1 := f.start(3 * time.Millisecond)
	f.advance(300*time.Millisecond, step)
	f.start(-4 * time.Millisecond)
	f.advance(600*time.Millisecond, step)
	f.stop(r1) // midway, the replica that is ahead leaves
	f.advance(850*time.Millisecond, step)
	for _, r := range f.all {
		f.stop(r)
	}

	// Replica 0 (no skew) ran from start0 to the end: every tick in
	// between ran exactly once, on one of the three, 100 ms apart.
	ticks := onceEach(t, f.ranBy())
	require.Equal(t, ticksBetween(start0, f.now), ticks)
	require.Len(t, ticks, 20)
	requireContiguous(t, ticks)

	outcomes := f.outcomes()
	require.Len(t, outcomes, len(ticks), "no replica saw a tick that did not run")
	winners := map[int]int{}
	for tick, errs := range outcomes {
		winners[requireOneWinner(t, tick, errs)]++
	}
	require.GreaterOrEqual(t, len(winners), 2, "replicas take turns: %v", winners)

	// In Redis: each tick's claim is done, and its lease gone.
	c := newClient(t, f.addr)
	for _, tick := range ticks {
		key := f.all[0].locker.ClaimKey(jobName, tick)
		require.True(t, strings.HasPrefix(c.Get(f.ctx, key).Val(), "done:"), key)
		require.Zero(t, c.Exists(f.ctx, f.all[0].locker.LeaseKey(jobName, tick)).Val())
	}
}

func TestReplicasRedisRestart(t *testing.T) {
	srv := startRedisServer(t)
	f := newFleet(t, srv.addr(), start0)
	const step = 10 * time.Millisecond
	f.start(0)
	f.start(2 * time.Millisecond)
	f.advance(500*time.Millisecond, step)

	srv.stop()
	downFrom := f.now
	f.advance(300*time.Millisecond, step) // three ticks while Redis is down
	downTo := f.now

	srv.start() // same port, empty
	for _, r := range f.live {
		waitFor(t, "the replica's client to reconnect", func() bool {
			return r.client.Ping(context.Background()).Err() == nil
		})
	}
	f.advance(500*time.Millisecond, step)
	for _, r := range f.all {
		f.stop(r)
	}

	down := ticksBetween(downFrom, downTo)
	require.Len(t, down, 3)
	want := append(ticksBetween(start0, downFrom), ticksBetween(downTo, f.now.Add(2*time.Millisecond))...)
	ticks := onceEach(t, f.ranBy())
	require.Equal(t, want, ticks, "no tick ran twice; the ticks while Redis was down did not run")
	requireContiguous(t, ticksBetween(downTo, f.now))

	outcomes := f.outcomes()
	for _, tick := range want {
		requireOneWinner(t, tick.UnixNano(), outcomes[tick.UnixNano()])
	}
	for _, tick := range down {
		errs := outcomes[tick.UnixNano()]
		require.Len(t, errs, 2, "tick %v", tick)
		for id, err := range errs {
			require.Error(t, err, "tick %v, replica %d", tick, id)
			require.NotErrorIs(t, err, periodic.ErrClaimed, "tick %v, replica %d", tick, id)
			require.ErrorContains(t, err, "redislock: claim", "tick %v, replica %d", tick, id)
		}
	}
}

func TestReplicaDiesMidRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"at most once", nil},
		{"at least once", []Option{WithAtLeastOnce()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testReplicaDiesMidRun(t, len(tc.opts) > 0, tc.opts...)
		})
	}
}

// testReplicaDiesMidRun: replica 0, ahead, wins a tick and hangs in it;
// replica 1 loses the tick while replica 0's lease is alive; replica 0
// dies; once its lease has expired, replica 2, far behind, reaches the
// tick: it loses too (at most once), or takes it over (at least once).
func testReplicaDiesMidRun(t *testing.T, atLeastOnce bool, opts ...Option) {
	opts = append(opts, WithLeaseTTL(300*time.Millisecond), WithRenewInterval(20*time.Millisecond))
	f := newFleet(t, redisAddr(t), start0, opts...)
	victim := start0.Truncate(interval).Add(3 * interval)
	f.hold = func(r *replica, tick time.Time) bool { return r.id == 0 && tick.Equal(victim) }
	const step = 5 * time.Millisecond

	r0 := f.start(5*time.Millisecond, WithClock(clock.New())) // renews in real time
	f.start(0)
	f.start(-40 * time.Millisecond)
	f.advance(victim.Add(step).Sub(f.now), step) // replicas 0 and 1 pass the victim tick

	c := newClient(t, f.addr)
	claimKey, leaseKey := r0.locker.ClaimKey(jobName, victim), r0.locker.LeaseKey(jobName, victim)
	token := c.Get(f.ctx, claimKey).Val()
	require.Equal(t, token, c.Get(f.ctx, leaseKey).Val(), "replica 0 holds the tick")
	require.NotContains(t, token, "done:")

	require.NoError(t, r0.client.Close()) // replica 0 dies: its lease is renewed no more
	f.freeze(r0)
	waitGone(t, c, leaseKey)
	require.Equal(t, token, c.Get(f.ctx, claimKey).Val(), "the claim outlives the lease")

	f.advance(400*time.Millisecond, step) // replica 2 passes the victim tick, and more
	f.stop(f.all[1])
	f.stop(f.all[2])
	f.shutdownAll() // cancels replica 0's hung run

	by := f.ranBy()
	if atLeastOnce {
		require.Equal(t, []int{0, 2}, by[victim.UnixNano()], "replica 2 took the tick over")
		require.True(t, strings.HasPrefix(c.Get(f.ctx, claimKey).Val(), "done:"))
	} else {
		require.Equal(t, []int{0}, by[victim.UnixNano()], "the tick is not run again")
		require.Equal(t, token, c.Get(f.ctx, claimKey).Val())
	}
	delete(by, victim.UnixNano())
	ticks := onceEach(t, by)
	all := append([]time.Time{victim.UTC()}, ticks...)
	slices.SortFunc(all, time.Time.Compare)
	require.Equal(t, ticksBetween(start0.Add(-40*time.Millisecond), f.now), all, "every other tick ran once")

	outcomes := f.outcomes()
	errs := outcomes[victim.UnixNano()]
	require.ErrorIs(t, errs[0], context.Canceled, "replica 0's run was cut short at shutdown")
	require.ErrorIs(t, errs[1], periodic.ErrClaimed, "a live lease is never taken over")
	if atLeastOnce {
		require.NoError(t, errs[2])
	} else {
		require.ErrorIs(t, errs[2], periodic.ErrClaimed)
	}
	for _, tick := range ticks {
		requireOneWinner(t, tick.UnixNano(), outcomes[tick.UnixNano()])
	}
}
