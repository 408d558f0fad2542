package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/periodic-go/periodic"
)

func TestNewBadInput(t *testing.T) {
	var typedNil *redis.Client
	for _, c := range []struct {
		client redis.UniversalClient
		ns     string
		want   string
	}{
		{nil, "p", "nil Redis client"},
		{typedNil, "p", "nil Redis client"},
		{redis.NewClient(&redis.Options{}), "", "empty namespace"},
		{redis.NewClient(&redis.Options{}), "app{1}", `namespace "app{1}" has a hash-tag brace`},
		{redis.NewClient(&redis.Options{}), "app}", `namespace "app}" has a hash-tag brace`},
	} {
		_, err := New(c.client, c.ns)
		require.ErrorIs(t, err, periodic.ErrInvalid, c.want)
		require.ErrorContains(t, err, c.want)
		if cl, ok := c.client.(*redis.Client); ok && cl != nil {
			require.NoError(t, cl.Close())
		}
	}
}

// TestClosedClient: a closed client is an error naming the key and
// saying the client is closed, never ErrClaimed.
func TestClosedClient(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	st, err := New(c, "p")
	require.NoError(t, err)
	require.NoError(t, c.Close())
	_, err = st.Claim(context.Background(), periodic.Claim{Job: "j", Tick: time.Unix(10, 0), Token: "t", Now: time.Unix(10, 0), TTL: time.Second})
	require.ErrorIs(t, err, redis.ErrClosed)
	require.ErrorContains(t, err, "redisstore: claim p:{j}")
}

// TestKeysPerJob: after many runs a job owns two keys, whatever their
// number, and a backfill range one more.
func TestKeysPerJob(t *testing.T) {
	addr := need(t, "REDIS_ADDR")
	st := newStore(t, addr)
	ctx := context.Background()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for k := range 500 {
		tick := t0.Add(time.Duration(k) * time.Second)
		g, err := st.Claim(ctx, periodic.Claim{Job: "j", Tick: tick, Token: "t", Now: tick, TTL: time.Minute})
		require.NoError(t, err)
		require.Equal(t, periodic.StatusWon, g.Status)
		_, err = st.Release(ctx, g.Lease, periodic.RunRecord{Tick: tick}, 8, periodic.Claim{})
		require.NoError(t, err)
	}
	keys, err := st.client.Keys(ctx, st.ns+":*").Result()
	require.NoError(t, err)
	require.ElementsMatch(t, []string{st.Key("j"), st.Key("j") + ":h"}, keys)
	require.EqualValues(t, 8, st.client.LLen(ctx, st.Key("j")+":h").Val())
}
