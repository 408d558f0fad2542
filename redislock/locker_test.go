package redislock

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/periodic-go/periodic"
)

// tick0 is an arbitrary tick, a multiple of 100 ms since the epoch.
var tick0 = time.Date(2030, 1, 2, 3, 4, 5, 600_000_000, time.UTC)

func TestClaimWinsOnce(t *testing.T) {
	addr := redisAddr(t)
	ctx := context.Background()
	ns := uniqueNS(t)
	a := newLocker(t, newClient(t, addr), ns)
	b := newLocker(t, newClient(t, addr), ns)

	lease, err := a.Claim(ctx, "report", tick0)
	require.NoError(t, err)
	_, err = b.Claim(ctx, "report", tick0)
	require.ErrorIs(t, err, periodic.ErrClaimed)
	_, err = a.Claim(ctx, "report", tick0) // the same replica loses too
	require.ErrorIs(t, err, periodic.ErrClaimed)

	require.NoError(t, lease.Release(ctx))
	_, err = b.Claim(ctx, "report", tick0)
	require.ErrorIs(t, err, periodic.ErrClaimed, "a released claim is kept")
	require.ErrorContains(t, err, a.ClaimKey("report", tick0))

	// Another tick, or another job at the same tick, is independent.
	for _, c := range []struct {
		job  string
		tick time.Time
	}{{"report", tick0.Add(100 * time.Millisecond)}, {"report", tick0.Add(-time.Nanosecond)}, {"other", tick0}} {
		lease, err := b.Claim(ctx, c.job, c.tick)
		require.NoError(t, err, "%s at %v", c.job, c.tick)
		require.NoError(t, lease.Release(ctx))
	}
	require.NoError(t, lease.Release(ctx), "a second Release returns the first's result")
}

func TestClaimSameTickDifferentZones(t *testing.T) {
	addr := redisAddr(t)
	ctx := context.Background()
	l := newLocker(t, newClient(t, addr), uniqueNS(t))
	lease, err := l.Claim(ctx, "job", tick0)
	require.NoError(t, err)
	defer lease.Release(ctx)
	tokyo := time.FixedZone("JST", 9*3600)
	_, err = l.Claim(ctx, "job", tick0.In(tokyo))
	require.ErrorIs(t, err, periodic.ErrClaimed, "a tick is an instant, whatever its zone")
}

func TestKeysAndTTLs(t *testing.T) {
	addr := redisAddr(t)
	ctx := context.Background()
	c := newClient(t, addr)
	ns := uniqueNS(t)
	l := newLocker(t, c, ns, WithRetention(time.Hour), WithLeaseTTL(20*time.Second))

	nanos := strconv.FormatInt(tick0.UnixNano(), 10)
	claimKey, leaseKey := l.ClaimKey("db:backup", tick0), l.LeaseKey("db:backup", tick0)
	require.Equal(t, ns+":{db:backup}:tick:"+nanos, claimKey)
	require.Equal(t, ns+":{db:backup}:lease:"+nanos, leaseKey)
	require.Equal(t, hashTag(claimKey), hashTag(leaseKey), "one job's keys share a cluster slot")
	require.Equal(t, "db:backup", hashTag(claimKey))

	got, err := l.Claim(ctx, "db:backup", tick0)
	require.NoError(t, err)
	lease := got.(*Lease)

	require.Equal(t, lease.token, c.Get(ctx, claimKey).Val())
	require.Equal(t, lease.token, c.Get(ctx, leaseKey).Val())
	requireTTL(t, c, claimKey, 59*time.Minute, time.Hour)
	requireTTL(t, c, leaseKey, 19*time.Second, 20*time.Second)

	require.NoError(t, lease.Release(ctx))
	require.Equal(t, "done:"+lease.token, c.Get(ctx, claimKey).Val(), "Release marks the claim done")
	requireTTL(t, c, claimKey, 59*time.Minute, time.Hour) // and keeps its retention
	require.Zero(t, c.Exists(ctx, leaseKey).Val(), "Release deletes the lease")

	keys, err := c.Keys(ctx, ns+":*").Result()
	require.NoError(t, err)
	require.Equal(t, []string{claimKey}, keys, "nothing else is written")
}

// hashTag returns what Redis Cluster hashes in key: the text between the
// first '{' and the next '}', when not empty.
func hashTag(key string) string {
	_, rest, ok := strings.Cut(key, "{")
	if !ok {
		return key
	}
	tag, _, ok := strings.Cut(rest, "}")
	if !ok || tag == "" {
		return key
	}
	return tag
}

// requireTTL checks that key expires in (lo, hi].
func requireTTL(t *testing.T, c redis.UniversalClient, key string, lo, hi time.Duration) {
	t.Helper()
	d, err := c.PTTL(context.Background(), key).Result()
	require.NoError(t, err)
	require.Greater(t, d, lo, key)
	require.LessOrEqual(t, d, hi, key)
}

// renewals returns a hook for withRenewHook and the channel it reports to.
func renewals() (func(bool, error), chan error) {
	ch := make(chan error, 16)
	return func(held bool, err error) {
		if err == nil && !held {
			err = ErrLeaseLost
		}
		ch <- err
	}, ch
}

func TestLeaseRenewal(t *testing.T) {
	addr := redisAddr(t)
	ctx := context.Background()
	c := newClient(t, addr)
	mock := clock.NewMock()
	hook, renewed := renewals()
	l := newLocker(t, c, uniqueNS(t), WithClock(mock), withRenewHook(hook),
		WithLeaseTTL(10*time.Second), WithRenewInterval(time.Second))
	leaseKey := l.LeaseKey("job", tick0)

	got, err := l.Claim(ctx, "job", tick0)
	require.NoError(t, err)
	lease := got.(*Lease)

	// The lease expires on its own unless renewed: remove it, and each
	// renewal brings it back with a fresh TTL.
	for range 3 {
		require.NoError(t, c.Del(ctx, leaseKey).Err())
		mock.Add(time.Second)
		require.NoError(t, <-renewed)
		require.Equal(t, lease.token, c.Get(ctx, leaseKey).Val())
		requireTTL(t, c, leaseKey, 9*time.Second, 10*time.Second)
	}
	require.NoError(t, c.PExpire(ctx, leaseKey, time.Hour).Err())
	mock.Add(time.Second)
	require.NoError(t, <-renewed)
	requireTTL(t, c, leaseKey, 9*time.Second, 10*time.Second)

	require.NoError(t, lease.Release(ctx))
	select {
	case <-lease.done:
	default:
		t.Fatal("Release returned before the renewal goroutine")
	}
	mock.Add(time.Minute)
	require.Zero(t, c.Exists(ctx, leaseKey).Val(), "no renewal after Release")
	require.Empty(t, renewed)
	select {
	case <-lease.Lost():
		t.Fatal("a released lease is not lost")
	default:
	}
}

func TestLeaseLost(t *testing.T) {
	addr := redisAddr(t)
	ctx := context.Background()
	c := newClient(t, addr)
	mock := clock.NewMock()
	hook, renewed := renewals()
	l := newLocker(t, c, uniqueNS(t), WithClock(mock), withRenewHook(hook))

	got, err := l.Claim(ctx, "job", tick0)
	require.NoError(t, err)
	lease := got.(*Lease)
	require.NoError(t, c.SetArgs(ctx, l.ClaimKey("job", tick0), "someone-else",
		redis.SetArgs{KeepTTL: true}).Err())

	mock.Add(defaultLeaseTTL / 3)
	require.ErrorIs(t, <-renewed, ErrLeaseLost)
	<-lease.Lost()
	<-lease.done // renewal stops once the claim is someone else's
	err = lease.Release(ctx)
	require.ErrorIs(t, err, ErrLeaseLost)
	require.Equal(t, "someone-else", c.Get(ctx, l.ClaimKey("job", tick0)).Val(), "Release leaves others' claims alone")
}

func TestReleaseAfterClaimExpired(t *testing.T) {
	addr := redisAddr(t)
	ctx := context.Background()
	c := newClient(t, addr)
	l := newLocker(t, c, uniqueNS(t))
	got, err := l.Claim(ctx, "job", tick0)
	require.NoError(t, err)
	require.NoError(t, c.Del(ctx, l.ClaimKey("job", tick0)).Err()) // as after a restart without persistence
	require.ErrorIs(t, got.Release(ctx), ErrLeaseLost)
	<-got.(*Lease).Lost()
}

func TestDeadHolder(t *testing.T) {
	addr := redisAddr(t)
	ctx := context.Background()
	ns := uniqueNS(t)
	c := newClient(t, addr)
	dying := newLocker(t, c, ns, WithClock(clock.NewMock())) // never renews on its own
	atMostOnce := newLocker(t, newClient(t, addr), ns)
	atLeastOnce := newLocker(t, newClient(t, addr), ns, WithAtLeastOnce())
	claimKey, leaseKey := dying.ClaimKey("job", tick0), dying.LeaseKey("job", tick0)

	got, err := dying.Claim(ctx, "job", tick0)
	require.NoError(t, err)
	dead := got.(*Lease)
	_, err = atLeastOnce.Claim(ctx, "job", tick0)
	require.ErrorIs(t, err, periodic.ErrClaimed, "a live lease is never taken over")

	// The replica dies mid-run; rather than wait 30 s for its lease to
	// expire, let Redis expire it now.
	dead.abandon()
	require.NoError(t, c.PExpire(ctx, leaseKey, time.Millisecond).Err())
	waitGone(t, c, leaseKey)
	require.Equal(t, dead.token, c.Get(ctx, claimKey).Val(), "the claim outlives its lease")

	_, err = atMostOnce.Claim(ctx, "job", tick0)
	require.ErrorIs(t, err, periodic.ErrClaimed, "by default a dead holder's tick is not rerun")

	got, err = atLeastOnce.Claim(ctx, "job", tick0)
	require.NoError(t, err, "WithAtLeastOnce takes an abandoned tick over")
	heir := got.(*Lease)
	require.Equal(t, heir.token, c.Get(ctx, claimKey).Val())
	require.Equal(t, heir.token, c.Get(ctx, leaseKey).Val())
	requireTTL(t, c, claimKey, defaultRetention-time.Minute, defaultRetention)

	_, err = atLeastOnce.Claim(ctx, "job", tick0)
	require.ErrorIs(t, err, periodic.ErrClaimed, "the heir's lease is alive")
	require.ErrorIs(t, dead.Release(ctx), ErrLeaseLost, "the dead holder, back, learns it lost")
	require.NoError(t, heir.Release(ctx))

	require.Zero(t, c.Exists(ctx, leaseKey).Val(), "Release deleted the lease")
	_, err = atLeastOnce.Claim(ctx, "job", tick0)
	require.ErrorIs(t, err, periodic.ErrClaimed, "a finished run is never taken over")
}

func TestClaimUnreachable(t *testing.T) {
	ctx := context.Background()
	down := newClient(t, "127.0.0.1:"+strconv.Itoa(freePort(t)))
	l := newLocker(t, down, "ns")
	_, err := l.Claim(ctx, "job", tick0)
	require.Error(t, err)
	require.NotErrorIs(t, err, periodic.ErrClaimed)
	require.ErrorContains(t, err, "ns:{job}:tick:")

	closed := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	require.NoError(t, closed.Close())
	l = newLocker(t, closed, "ns")
	_, err = l.Claim(ctx, "job", tick0)
	require.ErrorIs(t, err, redis.ErrClosed)
	require.NotErrorIs(t, err, periodic.ErrClaimed)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = newLocker(t, down, "ns").Claim(cctx, "job", tick0)
	require.ErrorIs(t, err, context.Canceled)
}

func TestClaimBadArguments(t *testing.T) {
	l := newLocker(t, redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}), "ns")
	defer l.client.Close()
	_, err := l.Claim(context.Background(), "", tick0)
	require.ErrorIs(t, err, periodic.ErrInvalid)
	require.ErrorContains(t, err, "empty job name")
	_, err = l.Claim(context.Background(), "job", time.Time{})
	require.ErrorIs(t, err, periodic.ErrInvalid)
	require.ErrorContains(t, err, "zero tick")
}

func TestNewBadOptions(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer client.Close()
	for _, tc := range []struct {
		name   string
		client redis.UniversalClient
		opts   []Option
		want   string
	}{
		{"nil client", nil, nil, "nil Redis client"},
		{"typed nil client", (*redis.Client)(nil), nil, "nil Redis client"},
		{"typed nil cluster", (*redis.ClusterClient)(nil), nil, "nil Redis client"},
		{"nil option", client, []Option{nil}, "nil Option"},
		{"empty namespace", client, []Option{WithNamespace("")}, `WithNamespace("")`},
		{"hash tag in namespace", client, []Option{WithNamespace("a{b}")}, `WithNamespace("a{b}")`},
		{"zero lease", client, []Option{WithLeaseTTL(0)}, "WithLeaseTTL(0s)"},
		{"sub-ms lease", client, []Option{WithLeaseTTL(time.Microsecond)}, "WithLeaseTTL(1µs)"},
		{"negative renew", client, []Option{WithRenewInterval(-time.Second)}, "WithRenewInterval(-1s)"},
		{"renew not shorter than lease", client, []Option{WithLeaseTTL(time.Second), WithRenewInterval(time.Second)}, "WithRenewInterval(1s)"},
		{"zero retention", client, []Option{WithRetention(0)}, "WithRetention(0s)"},
		{"retention within lease", client, []Option{WithRetention(time.Minute), WithLeaseTTL(time.Hour)}, "WithRetention(1m0s)"},
		{"nil clock", client, []Option{WithClock(nil)}, "WithClock(nil)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := New(tc.client, tc.opts...)
			require.Nil(t, l)
			require.ErrorIs(t, err, periodic.ErrInvalid)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestNewDefaults(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer client.Close()
	l, err := New(client)
	require.NoError(t, err)
	require.Equal(t, "periodic", l.cfg.namespace)
	require.Equal(t, 24*time.Hour, l.cfg.retention)
	require.Equal(t, 30*time.Second, l.cfg.leaseTTL)
	require.Equal(t, 10*time.Second, l.cfg.renew)
	require.False(t, l.cfg.atLeastOnce)
	l, err = New(client, WithLeaseTTL(time.Second))
	require.NoError(t, err)
	require.Equal(t, time.Second/3, l.cfg.renew, "the renew interval follows the lease TTL")
}
