package redislock

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkClaim measures Claim's round trip to a Redis on loopback:
// "lost" claims a tick that is already taken (one script call), "won"
// claims a fresh tick and releases it (two script calls, and the lease's
// renewal goroutine started and joined).
//
//	scripts/with-redis.sh go test -run '^$' -bench Claim ./...
func BenchmarkClaim(b *testing.B) {
	addr := redisAddr(b)
	ctx := context.Background()
	l := newLocker(b, newClient(b, addr), uniqueNS(b))

	lease, err := l.Claim(ctx, "bench", tick0)
	require.NoError(b, err)
	require.NoError(b, lease.Release(ctx))
	b.Run("lost", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := l.Claim(ctx, "bench", tick0); err == nil {
				b.Fatal("claimed twice")
			}
		}
	})
	tick := tick0 // fresh across the runs of "won"
	b.Run("won", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tick = tick.Add(time.Second)
			lease, err := l.Claim(ctx, "bench", tick)
			if err != nil {
				b.Fatal(err)
			}
			if err := lease.Release(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
