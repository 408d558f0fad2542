package redislock

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/periodic-go/periodic"
)

// TestClusterClient runs claims through a *redis.ClusterClient against a
// one-node Redis Cluster, which refuses scripts whose keys are in
// different slots: the hash tag must keep a job's keys together.
func TestClusterClient(t *testing.T) {
	srv := startRedisServer(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	ctx := context.Background()
	node := newClient(t, srv.addr())
	require.NoError(t, node.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", "0", "16383").Err())
	waitFor(t, "the cluster to be up", func() bool {
		info, err := node.ClusterInfo(ctx).Result()
		return err == nil && strings.Contains(info, "cluster_state:ok")
	})

	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{srv.addr()}, MaxRedirects: 1})
	t.Cleanup(func() { _ = cluster.Close() })
	l := newLocker(t, cluster, uniqueNS(t))
	slots := map[int64]bool{}
	for _, job := range []string{"a", "b", "c", "d"} {
		lease, err := l.Claim(ctx, job, tick0)
		require.NoError(t, err, job)
		_, err = l.Claim(ctx, job, tick0)
		require.ErrorIs(t, err, periodic.ErrClaimed, job)
		require.NoError(t, lease.Release(ctx), job)

		slot := node.ClusterKeySlot(ctx, l.ClaimKey(job, tick0)).Val()
		require.Equal(t, slot, node.ClusterKeySlot(ctx, l.LeaseKey(job, tick0)).Val(), job)
		slots[slot] = true
	}
	require.Greater(t, len(slots), 1, "jobs spread over slots")

	// Without the hash tag the same script is refused.
	err := claimScript.Run(ctx, cluster, []string{"x:tick", "x:lease"}, "t", 1000, 100, "0").Err()
	require.ErrorContains(t, err, "CROSSSLOT")
}
